/** Usage: a stacked chart over time per kind, grouped by model, project, user or key, with tables. */
import { allBuckets, type Bucket, type UsageResult } from '../api.js';
import { ChartOptions, chartKindOf, SeriesTable, StackedBars } from '../components/stacked-bars.js';
import { Empty, ErrorBox } from '../components/status.js';
import { formatBytes, formatCompact, formatInt, nowSeconds, utcDate } from '../format.js';
import { navigate, type Route } from '../router.js';
import { buildSeries, groupValue, levelStats, presentBuckets } from '../series.js';
import { alignedRange, DIMENSION_LABELS, defaultMeasure, label, USAGE_KINDS, WIDTHS, type WidthId } from '../usage-kinds.js';
import { useFetch } from '../use-fetch.js';

/** Measures that are levels (how much is held), not flows: never summed over time. */
const LEVEL_MEASURES = new Set(['usage_bytes']);

interface UsageState {
  kind: (typeof USAGE_KINDS)[number];
  group: string | null;
  width: (typeof WIDTHS)[number];
  count: number;
  measure: string;
  /** Custom UTC days (`range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD`, both included), or null for the last `count` buckets. */
  custom: { start: number; end: number } | null;
}

/** At most this many buckets in a custom range (the API pages, the chart must stay readable). */
const CUSTOM_MAX_BUCKETS = 1440;

/**
 * `from` and `to` are UTC days (`YYYY-MM-DD`, `to` included) or, from a zoom into hours or minutes,
 * UTC times (`YYYY-MM-DDTHH:MM`, `to` the start of the last bucket included).
 */
function customRange(p: URLSearchParams, widthSeconds: number): { start: number; end: number } | null {
  if (p.get('range') !== 'custom') return null;
  const parse = (d: string | null): { t: number; day: boolean } | null => {
    if (d && /^\d{4}-\d{2}-\d{2}$/.test(d)) return { t: Date.parse(`${d}T00:00:00Z`) / 1000, day: true };
    if (d && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(d)) return { t: Date.parse(`${d}:00Z`) / 1000, day: false };
    return null;
  };
  const from = parse(p.get('from'));
  const to = parse(p.get('to'));
  if (!from || !to || !Number.isFinite(from.t) || !Number.isFinite(to.t) || to.t < from.t) return null;
  const start = Math.floor(from.t / widthSeconds) * widthSeconds;
  const end = to.day ? to.t + 86_400 : Math.floor(to.t / widthSeconds) * widthSeconds + widthSeconds;
  return { start, end: Math.min(end, start + CUSTOM_MAX_BUCKETS * widthSeconds) };
}

/** A zoom's range as `from` and `to` URL values: whole days for daily buckets, UTC minutes otherwise. */
function zoomParams(start: number, end: number, widthSeconds: number): Record<string, string> {
  const minute = (t: number) => new Date(t * 1000).toISOString().slice(0, 16);
  if (widthSeconds >= 86_400) return { range: 'custom', from: utcDate(start), to: utcDate(end - 1) };
  return { range: 'custom', from: minute(start), to: minute(end - widthSeconds) };
}

function stateFrom(p: URLSearchParams): UsageState {
  const kind = USAGE_KINDS.find((k) => k.name === p.get('kind')) ?? USAGE_KINDS.find((k) => k.name === 'completions') ?? (USAGE_KINDS[0] as UsageState['kind']);
  const g = p.get('group');
  const group = g === 'none' ? null : g && kind.groupBy.includes(g) ? g : kind.groupBy.includes('model') ? 'model' : (kind.groupBy[0] ?? null);
  const width = WIDTHS.find((w) => w.id === p.get('width')) ?? WIDTHS[0];
  const requested = Number(p.get('range'));
  const count = (width.ranges as readonly number[]).includes(requested) ? requested : width.ranges[1];
  const m = p.get('measure');
  const measure = m && kind.measures.includes(m) ? m : defaultMeasure(kind.measures);
  const custom = customRange(p, width.seconds);
  return { kind, group, width, count: custom ? Math.round((custom.end - custom.start) / width.seconds) : count, measure, custom };
}

function set(route: Route, change: Record<string, string>) {
  const p = new URLSearchParams(route.params);
  for (const [k, v] of Object.entries(change))
    if (v) p.set(k, v);
    else p.delete(k);
  navigate(route.path, p);
}

const BREAKDOWN: { title: string; rows: [string, string][] }[] = [
  {
    title: 'Input and output',
    rows: [
      ['Input, uncached', 'input_uncached_tokens'],
      ['Input, cached', 'input_cached_tokens'],
      ['Input, cache writes', 'input_cache_write_tokens'],
      ['Output', 'output_tokens'],
    ],
  },
  {
    title: 'By modality',
    rows: [
      ['Input text', 'input_text_tokens'],
      ['Input text, cached', 'input_cached_text_tokens'],
      ['Input audio', 'input_audio_tokens'],
      ['Input audio, cached', 'input_cached_audio_tokens'],
      ['Input image', 'input_image_tokens'],
      ['Input image, cached', 'input_cached_image_tokens'],
      ['Output text', 'output_text_tokens'],
      ['Output audio', 'output_audio_tokens'],
      ['Output image', 'output_image_tokens'],
    ],
  },
];

function TokenBreakdown({ buckets }: { buckets: Bucket[] }) {
  const sum = (m: string) => buckets.reduce((a, b) => a + b.results.reduce((s, r) => s + (typeof r[m] === 'number' ? (r[m] as number) : 0), 0), 0);
  return (
    <section class="card breakdown" aria-labelledby="breakdown-title">
      <h2 id="breakdown-title">Completions token breakdown</h2>
      <div class="breakdown-grid">
        {BREAKDOWN.map((group) => {
          const values = group.rows.map(([name, m]) => ({ name, m, v: sum(m) }));
          const max = Math.max(1, ...values.map((r) => r.v));
          return (
            <table key={group.title} class="breakdown-table">
              <caption>{group.title}</caption>
              <tbody>
                {values.map((r) => (
                  <tr key={r.m} data-measure={r.m}>
                    <th scope="row">{r.name}</th>
                    <td class="meter">
                      <span class="meter-fill" style={{ width: `${(r.v / max) * 100}%` }} />
                    </td>
                    <td class="num">{formatInt(r.v)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        })}
      </div>
    </section>
  );
}

export function UsageView({ route }: { route: Route }) {
  const s = stateFrom(route.params);
  const range = s.custom ?? alignedRange(s.width.seconds, s.count, nowSeconds());
  const key = `${s.kind.name}|${s.group}|${s.width.id}|${range.start}|${Math.floor(range.end / s.width.seconds)}`;
  const load = useFetch<Bucket[]>(key, (signal) =>
    allBuckets(
      `usage/${s.kind.name}`,
      {
        start_time: range.start,
        end_time: range.end,
        bucket_width: s.width.id,
        limit: Math.min(s.count, s.width.max),
        group_by: s.group ? [s.group] : undefined,
      },
      signal,
    ),
  );
  const format = s.measure === 'usage_bytes' ? formatBytes : formatCompact;
  const measureOf = (r: UsageResult) => (typeof r[s.measure] === 'number' ? (r[s.measure] as number) : 0);
  const buckets = load.data ?? [];
  // Top 8 with the rest as "others" unless the reader asked for every series (?all=1).
  const showAll = route.params.get('all') === '1';
  const kind = chartKindOf(route.params);
  const chart = buildSeries(buckets, (r) => groupValue(r, s.group), measureOf, { maxSeries: showAll ? Number.POSITIVE_INFINITY : 8 });
  const table = buildSeries(buckets, (r) => groupValue(r, s.group), measureOf, { maxSeries: Number.POSITIVE_INFINITY });
  const isLevel = LEVEL_MEASURES.has(s.measure);
  const present = presentBuckets(buckets);
  const totalValues = buckets.map((_, i) => table.series.reduce((a, x) => a + (x.values[i] ?? 0), 0));
  const level = levelStats(totalValues, present);
  const title = `${label(s.measure)} per ${s.width.label.toLowerCase()}${s.group ? ` by ${DIMENSION_LABELS[s.group]?.toLowerCase() ?? s.group}` : ''}`;

  return (
    <section class="view usage" aria-labelledby="view-title" data-start={range.start} data-end={range.end}>
      <h1 id="view-title">Usage</h1>
      <form class="controls" aria-label="Usage options" onSubmit={(e) => e.preventDefault()}>
        <label class="field">
          <span class="field-label">Kind</span>
          <select
            name="kind"
            value={s.kind.name}
            onChange={(e) => navigate(route.path, new URLSearchParams({ kind: e.currentTarget.value, width: s.width.id }))}
          >
            {USAGE_KINDS.map((k) => (
              <option key={k.name} value={k.name}>
                {label(k.name)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Measure</span>
          <select name="measure" value={s.measure} onChange={(e) => set(route, { measure: e.currentTarget.value })}>
            {s.kind.measures.map((m) => (
              <option key={m} value={m}>
                {label(m)}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Stack by</span>
          <select name="group" value={s.group ?? 'none'} onChange={(e) => set(route, { group: e.currentTarget.value })}>
            <option value="none">Nothing (total)</option>
            {s.kind.groupBy.map((g) => (
              <option key={g} value={g}>
                {DIMENSION_LABELS[g] ?? g}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Bucket width</span>
          <select name="width" value={s.width.id} onChange={(e) => set(route, { width: e.currentTarget.value as WidthId, range: '' })}>
            {WIDTHS.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">Range</span>
          <select
            name="range"
            value={s.custom ? 'custom' : String(s.count)}
            onChange={(e) => {
              const v = e.currentTarget.value;
              // Custom starts from the days on screen, so the date fields are never empty.
              if (v === 'custom') set(route, { range: v, from: utcDate(range.start), to: utcDate(range.end - 1) });
              else set(route, { range: v, from: '', to: '' });
            }}
          >
            {s.width.ranges.map((r) => (
              <option key={r} value={String(r)}>
                Last {r} {s.width.unit}
              </option>
            ))}
            <option value="custom">Custom dates…</option>
          </select>
        </label>
        {s.custom && (
          <>
            <label class="field">
              <span class="field-label">From (UTC)</span>
              <input type="date" name="from" value={utcDate(range.start)} onChange={(e) => set(route, { from: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span class="field-label">To (UTC, included)</span>
              <input type="date" name="to" value={utcDate(range.end - 1)} onChange={(e) => set(route, { to: e.currentTarget.value })} />
            </label>
          </>
        )}
      </form>
      {load.error && <ErrorBox error={load.error} onRetry={load.reload} />}
      <section class="card" aria-labelledby="chart-title" aria-busy={load.loading}>
        <h2 id="chart-title">
          {title}
          <span class="total" data-testid="usage-headline">
            {!load.data
              ? load.loading
                ? 'Loading…'
                : ''
              : isLevel
                ? `Latest ${format(level.latest)} · peak ${format(level.peak)} · average ${format(level.average)}`
                : `Total: ${formatInt(table.total)}`}
          </span>
        </h2>
        <div class={load.loading && load.data ? 'stale' : ''}>
          <ChartOptions kind={kind} onKind={(k) => set(route, { chart: k === 'lines' ? 'lines' : '' })} zoomable={buckets.length > 1} />
          <StackedBars data={chart} format={format} title={title} kind={kind} onZoom={(start, end) => set(route, zoomParams(start, end, s.width.seconds))} />
        </div>
        {load.data && table.total === 0 && <Empty>No {label(s.kind.name).toLowerCase()} usage in this range.</Empty>}
        {table.series.length > 8 && (
          <label class="field check show-all">
            <input type="checkbox" name="all" checked={showAll} onChange={(e) => set(route, { all: e.currentTarget.checked ? '1' : '0' })} />
            <span>Show all {table.series.length} series in the chart</span>
          </label>
        )}
        {table.series.length > 0 && (
          <SeriesTable data={table} chart={chart} format={isLevel ? formatBytes : formatInt} caption={title} present={isLevel ? present : undefined} />
        )}
      </section>
      {s.kind.name === 'completions' && load.data && <TokenBreakdown buckets={buckets} />}
    </section>
  );
}
