/**
 * A time chart in plain SVG: stacked bars (one bar per bucket) or lines (one per series, not
 * stacked), one colour per series, a legend, and a tooltip that follows the pointer or the arrow
 * keys. With `onZoom`, dragging across buckets (or Shift+arrows, then Enter) picks a time range.
 * Its box has a fixed height, so nothing below moves while data loads.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { bucketLabel, localTime, utcTime } from '../format.js';
import { levelStats, OTHER, type SeriesSet } from '../series.js';

const HEIGHT = 260;
const M = { top: 10, right: 10, bottom: 26, left: 60 };

export function seriesColor(index: number, key: string): string {
  return key === OTHER ? 'var(--series-other)' : `var(--series-${index % 10})`;
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

export type ChartKind = 'bars' | 'lines';

/** The chart kind a URL asks for (`chart=lines`); bars otherwise. */
export const chartKindOf = (p: URLSearchParams): ChartKind => (p.get('chart') === 'lines' ? 'lines' : 'bars');

export function StackedBars({
  data,
  format,
  title,
  kind = 'bars',
  onZoom,
}: {
  data: SeriesSet;
  format: (n: number) => string;
  title: string;
  kind?: ChartKind;
  /** Called with the picked buckets' range [start, end) in Unix seconds; without it the chart does not zoom. */
  onZoom?: (start: number, end: number) => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [hover, setHover] = useState<number | null>(null);
  /** The bucket a selection started from (drag or Shift+arrows) and whether the pointer is down. */
  const [anchor, setAnchor] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(280, el.clientWidth)));
    observer.observe(el);
    setWidth(Math.max(280, el.clientWidth));
    return () => observer.disconnect();
  }, []);

  const n = data.times.length;
  const totals = data.times.map((_, i) => data.series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0));
  const top = niceMax(kind === 'lines' ? Math.max(0, ...data.series.flatMap((s) => s.values)) : Math.max(0, ...totals));
  const plotW = width - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const band = n > 0 ? plotW / n : plotW;
  const barW = Math.max(1, band * (n > 60 ? 0.9 : 0.72));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const labelEvery = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 64))));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);
  const bucketAt = (clientX: number, el: HTMLElement) => {
    const x = clientX - el.getBoundingClientRect().left - M.left;
    const i = Math.floor(x / band);
    return n > 0 && x >= 0 && i < n ? i : null;
  };
  const selection = anchor !== null && hover !== null && anchor !== hover ? { from: Math.min(anchor, hover), to: Math.max(anchor, hover) } : null;
  const zoom = (sel: { from: number; to: number } | null) => {
    setAnchor(null);
    setDragging(false);
    if (!sel || !onZoom) return;
    const start = data.times[sel.from];
    const last = data.times[sel.to];
    if (start !== undefined && last !== undefined) onZoom(start, last + data.width);
  };
  const lineX = (i: number) => M.left + i * band + band / 2;

  return (
    <figure class="chart">
      <div
        class={onZoom ? 'chart-box zoomable' : 'chart-box'}
        ref={box}
        role="application"
        aria-label={`${title}: ${n} buckets, ${data.series.length} series. Use the arrow keys to read each bucket${
          onZoom ? '; Shift with the arrow keys selects buckets and Enter zooms to them' : ''
        }; the table below has every value.`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so the arrow keys can read the chart bucket by bucket.
        tabIndex={0}
        onKeyDown={(e) => {
          if (!n) return;
          const arrow = e.key === 'ArrowRight' || e.key === 'ArrowLeft';
          if (arrow && e.shiftKey && onZoom && anchor === null) setAnchor(hover ?? (e.key === 'ArrowRight' ? 0 : n - 1));
          else if (arrow && !e.shiftKey) setAnchor(null);
          if (e.key === 'ArrowRight') setHover((h) => Math.min(n - 1, h === null ? 0 : h + 1));
          else if (e.key === 'ArrowLeft') setHover((h) => Math.max(0, h === null ? n - 1 : h - 1));
          else if (e.key === 'Enter' && selection) zoom(selection);
          else if (e.key === 'Escape') {
            setHover(null);
            setAnchor(null);
          } else return;
          e.preventDefault();
        }}
        onBlur={() => {
          setHover(null);
          setAnchor(null);
        }}
        onPointerDown={(e) => {
          if (!onZoom || e.button !== 0) return;
          const i = bucketAt(e.clientX, e.currentTarget);
          if (i === null) return;
          e.currentTarget.setPointerCapture?.(e.pointerId);
          setAnchor(i);
          setHover(i);
          setDragging(true);
        }}
        onPointerMove={(e) => {
          const i = bucketAt(e.clientX, e.currentTarget);
          if (dragging) setHover(i ?? (e.clientX < e.currentTarget.getBoundingClientRect().left + M.left ? 0 : n - 1));
          else setHover(i);
        }}
        onPointerUp={() => {
          if (dragging) zoom(selection);
        }}
        onPointerCancel={() => zoom(null)}
        onPointerLeave={() => {
          if (!dragging) setHover(null);
        }}
      >
        <svg width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} aria-hidden="true">
          {ticks.map((t) => (
            <g key={t}>
              <line class="grid" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} />
              <text class="axis" x={M.left - 6} y={y(t)} dy="0.32em" text-anchor="end">
                {format(t)}
              </text>
            </g>
          ))}
          {data.times.map((t, i) => {
            let acc = 0;
            const x = M.left + i * band + (band - barW) / 2;
            return (
              <g key={t} class={hover === i ? 'bar hover' : 'bar'} data-bucket={t}>
                {kind === 'bars' &&
                  data.series.map((s, si) => {
                    const v = Math.max(0, s.values[i] ?? 0);
                    if (v === 0) return null;
                    const y0 = y(acc);
                    acc += v;
                    const y1 = y(acc);
                    return <rect key={s.key} class="segment" x={x} y={y1} width={barW} height={Math.max(0.5, y0 - y1)} fill={seriesColor(si, s.key)} />;
                  })}
                {i % labelEvery === 0 && (
                  <text class="axis" x={M.left + i * band + band / 2} y={HEIGHT - 8} text-anchor="middle">
                    {bucketLabel(t, data.width)}
                  </text>
                )}
                <rect class="hit" x={M.left + i * band} y={M.top} width={band} height={plotH} />
              </g>
            );
          })}
          {kind === 'lines' &&
            data.series.map((s, si) => (
              <g key={s.key} class="series-line" style={{ color: seriesColor(si, s.key) }}>
                <polyline points={s.values.map((v, i) => `${lineX(i)},${y(Math.max(0, v))}`).join(' ')} />
                {n <= 90 && s.values.map((v, i) => <circle key={data.times[i]} cx={lineX(i)} cy={y(Math.max(0, v))} r={hover === i ? 4 : 2.5} />)}
              </g>
            ))}
          {kind === 'lines' && hover !== null && <line class="cursor" x1={lineX(hover)} x2={lineX(hover)} y1={M.top} y2={M.top + plotH} />}
          {selection && (
            <rect
              class="zoom-selection"
              data-testid="zoom-selection"
              x={M.left + selection.from * band}
              y={M.top}
              width={(selection.to - selection.from + 1) * band}
              height={plotH}
            />
          )}
          <line class="baseline" x1={M.left} x2={width - M.right} y1={y(0)} y2={y(0)} />
        </svg>
        {hover !== null && !dragging && data.times[hover] !== undefined && (
          <div class={`tooltip ${M.left + hover * band > width / 2 ? 'left' : 'right'}`} style={{ left: `${M.left + hover * band + band / 2}px` }}>
            <strong title={utcTime(data.times[hover] as number)}>
              {data.width >= 86400 ? `${bucketLabel(data.times[hover] as number, data.width)} (UTC day)` : localTime(data.times[hover] as number)}
            </strong>
            <ul>
              {data.series
                .map((s, si) => ({ s, si, v: s.values[hover] ?? 0 }))
                .filter((r) => r.v !== 0)
                .map(({ s, si, v }) => (
                  <li key={s.key}>
                    <span class="swatch" style={{ background: seriesColor(si, s.key) }} />
                    <span class="name">{s.label}</span>
                    <span class="num">{format(v)}</span>
                  </li>
                ))}
            </ul>
            <div class="tooltip-total">
              Total <span class="num">{format(totals[hover] ?? 0)}</span>
            </div>
          </div>
        )}
      </div>
      <figcaption>
        <ul class="legend" aria-label="Legend">
          {data.series.map((s, si) => (
            <li key={s.key}>
              <span class="swatch" style={{ background: seriesColor(si, s.key) }} />
              {s.label}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}

/** The table under a chart: one row per series, one column per bucket, with totals. */
export function SeriesTable({
  data,
  chart,
  format,
  caption,
  present,
}: {
  data: SeriesSet;
  chart: SeriesSet;
  format: (n: number) => string;
  caption: string;
  /** For a level measure: which buckets hold a reading; the table then shows latest, peak and average instead of a total. */
  present?: boolean[];
}) {
  // A row has its chart colour, or the "others" colour when the chart folded it into others.
  const colorOf = (key: string) => {
    const i = chart.series.findIndex((s) => s.key === key);
    return i >= 0 ? seriesColor(i, key) : seriesColor(0, OTHER);
  };
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling table must be reachable by keyboard to scroll it.
    <section class="table-wrap scroll-x" aria-label={`${caption} (table)`} tabIndex={0}>
      <table class="series-table">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Series</th>
            {present ? (
              ['Latest', 'Peak', 'Average'].map((h) => (
                <th key={h} scope="col" class="num">
                  {h}
                </th>
              ))
            ) : (
              <th scope="col" class="num">
                Total
              </th>
            )}
            {data.times.map((t) => (
              <th key={t} scope="col" class="num" title={utcTime(t)}>
                {bucketLabel(t, data.width)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.series.map((s) => (
            <tr key={s.key}>
              <th scope="row">
                <span class="swatch" style={{ background: colorOf(s.key) }} />
                {s.label}
              </th>
              {present ? (
                (() => {
                  const l = levelStats(s.values, present);
                  return [l.latest, l.peak, l.average].map((v, i) => (
                    <td key={['latest', 'peak', 'average'][i]} class="num">
                      {format(v)}
                    </td>
                  ));
                })()
              ) : (
                <td class="num">{format(s.total)}</td>
              )}
              {s.values.map((v, i) => (
                <td key={data.times[i]} class="num">
                  {format(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * Above a chart: bars or lines (the `chart` URL parameter), and how to zoom. `onKind` is called with
 * the kind picked.
 */
export function ChartOptions({ kind, onKind, zoomable }: { kind: ChartKind; onKind: (kind: ChartKind) => void; zoomable: boolean }) {
  return (
    <div class="chart-options">
      <fieldset class="segmented">
        <legend class="sr-only">Chart type</legend>
        {(['bars', 'lines'] as const).map((k) => (
          <label key={k} class={kind === k ? 'on' : ''}>
            <input type="radio" name="chart" value={k} checked={kind === k} onChange={() => onKind(k)} />
            {k === 'bars' ? 'Stacked bars' : 'Lines'}
          </label>
        ))}
      </fieldset>
      {zoomable && <span class="muted hint">Drag across the chart to zoom (or focus it, Shift+arrows, Enter); Back returns.</span>}
    </div>
  );
}
