/**
 * A stacked bar chart in plain SVG: one bar per bucket, one colour per series, a legend, and a
 * tooltip that follows the pointer or the arrow keys. Its box has a fixed height, so nothing below
 * moves while data loads.
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

export function StackedBars({ data, format, title }: { data: SeriesSet; format: (n: number) => string; title: string }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [hover, setHover] = useState<number | null>(null);
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
  const top = niceMax(Math.max(0, ...totals));
  const plotW = width - M.left - M.right;
  const plotH = HEIGHT - M.top - M.bottom;
  const band = n > 0 ? plotW / n : plotW;
  const barW = Math.max(1, band * (n > 60 ? 0.9 : 0.72));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const labelEvery = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(plotW / 64))));
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * top);

  return (
    <figure class="chart">
      <div
        class="chart-box"
        ref={box}
        role="application"
        aria-label={`${title}: ${n} buckets, ${data.series.length} series. Use the arrow keys to read each bucket; the table below has every value.`}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: focusable so the arrow keys can read the chart bucket by bucket.
        tabIndex={0}
        onKeyDown={(e) => {
          if (!n) return;
          if (e.key === 'ArrowRight') setHover((h) => Math.min(n - 1, h === null ? 0 : h + 1));
          else if (e.key === 'ArrowLeft') setHover((h) => Math.max(0, h === null ? n - 1 : h - 1));
          else if (e.key === 'Escape') setHover(null);
          else return;
          e.preventDefault();
        }}
        onBlur={() => setHover(null)}
        onMouseMove={(e) => {
          const x = e.clientX - e.currentTarget.getBoundingClientRect().left - M.left;
          const i = Math.floor(x / band);
          setHover(n > 0 && x >= 0 && i < n ? i : null);
        }}
        onMouseLeave={() => setHover(null)}
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
                {data.series.map((s, si) => {
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
          <line class="baseline" x1={M.left} x2={width - M.right} y1={y(0)} y2={y(0)} />
        </svg>
        {hover !== null && data.times[hover] !== undefined && (
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
