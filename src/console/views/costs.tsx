/** Costs: daily cost stacked by project or line item, the range total, top lists and a CSV download. */
import { allBuckets, api, type Bucket, type UsageResult } from '../api.js';
import { LineItemsTable, lineItemRows, lineItemsCsv } from '../components/line-items.js';
import { ChartOptions, chartKindOf, SeriesTable, StackedBars } from '../components/stacked-bars.js';
import { Empty, ErrorBox } from '../components/status.js';
import { byMonth, COST_RANGES, costRange, DAY } from '../cost-range.js';
import { costsCsv } from '../costs-csv.js';
import { formatUsd, nowSeconds, utcDate } from '../format.js';
import { navigate, type Route } from '../router.js';
import { buildSeries, groupValue } from '../series.js';
import { useFetch } from '../use-fetch.js';

const GROUPS = [
  { id: 'project_id', label: 'Project' },
  { id: 'line_item', label: 'Line item' },
] as const;
type GroupId = (typeof GROUPS)[number]['id'];

const amountOf = (r: UsageResult) => (r.amount as { value?: number } | undefined)?.value ?? 0;

interface Unpriced {
  kind: string;
  model: string | null;
  tier: string;
  records: number;
}

interface CostData {
  byProject: Bucket[];
  byLineItem: Bucket[];
  byKey: Bucket[];
  /** Usage the server's price table could not price: missing from every figure here. */
  unpriced: Unpriced[];
}

/** Sums per key over every bucket, largest first. */
function top(buckets: Bucket[], keyOf: (r: UsageResult) => string, n = 5): { key: string; value: number }[] {
  const sums = new Map<string, number>();
  for (const b of buckets) for (const r of b.results) sums.set(keyOf(r), (sums.get(keyOf(r)) ?? 0) + amountOf(r));
  return [...sums.entries()]
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => b.value - a.value || a.key.localeCompare(b.key))
    .slice(0, n);
}

/** Line items read `<model>, <measure>`: the model is what precedes the comma. */
const modelOf = (r: UsageResult) => String(r.line_item ?? '').split(', ')[0] || '(none)';

function TopList({ title, rows }: { title: string; rows: { key: string; value: number }[] }) {
  return (
    <section class="card top" aria-label={title}>
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p class="muted">Nothing in this range.</p>
      ) : (
        <ol>
          {rows.map((r) => (
            <li key={r.key}>
              <span class="top-row">
                <span class="top-name" title={r.key}>
                  {r.key}
                </span>
                <span class="num">{formatUsd(r.value)}</span>
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function CostsView({ route }: { route: Route }) {
  const range = costRange(route.params, nowSeconds());
  const days = range.days;
  const group: GroupId = route.params.get('group') === 'line_item' ? 'line_item' : 'project_id';
  const query = (by: string) => ({ start_time: range.start, end_time: range.end, bucket_width: '1d', limit: days, group_by: [by] });
  const load = useFetch<CostData>(`${range.start}|${range.end}`, async (signal) => {
    const [byProject, byLineItem, byKey] = await Promise.all(['project_id', 'line_item', 'api_key_id'].map((by) => allBuckets('costs', query(by), signal)));
    const unpriced = await api<{ data: Unpriced[] }>('GET', 'costs/unpriced', { signal });
    return { byProject: byProject ?? [], byLineItem: byLineItem ?? [], byKey: byKey ?? [], unpriced: unpriced.data };
  });
  const buckets = (group === 'project_id' ? load.data?.byProject : load.data?.byLineItem) ?? [];
  const chart = buildSeries(buckets, (r) => groupValue(r, group), amountOf);
  const table = buildSeries(buckets, (r) => groupValue(r, group), amountOf, { maxSeries: Number.POSITIVE_INFINITY });
  const set = (change: Record<string, string>) => {
    const p = new URLSearchParams(route.params);
    for (const [k, v] of Object.entries(change))
      if (v) p.set(k, v);
      else p.delete(k);
    navigate(route.path, p);
  };
  const kind = chartKindOf(route.params);
  const months = byMonth(buckets, (r) => groupValue(r, group), amountOf);
  const lineItems = lineItemRows(load.data?.byLineItem ?? []);
  const download = () => save(costsCsv(buckets, group), fileName);
  const save = (text: string, name: string) => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const fileName = `orgledger-costs-by-${group}-${utcDate(range.start)}-to-${utcDate(range.end - 1)}.csv`;

  return (
    <section class="view costs" aria-labelledby="view-title" data-start={range.start} data-end={range.end} data-days={days}>
      <h1 id="view-title">Costs</h1>
      <form class="controls" aria-label="Cost options" onSubmit={(e) => e.preventDefault()}>
        <label class="field">
          <span class="field-label">Range</span>
          <select
            name="range"
            value={range.id}
            onChange={(e) => {
              const id = e.currentTarget.value;
              // Custom starts from the range on screen, so the date fields are never empty.
              if (id === 'custom') set({ range: id, from: utcDate(range.start), to: utcDate(range.end - 1) });
              else set({ range: id, from: '', to: '' });
            }}
          >
            {COST_RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
          </select>
        </label>
        {range.id === 'custom' && (
          <>
            <label class="field">
              <span class="field-label">From (UTC)</span>
              <input type="date" name="from" value={utcDate(range.start)} onChange={(e) => set({ from: e.currentTarget.value })} />
            </label>
            <label class="field">
              <span class="field-label">To (UTC, included)</span>
              <input type="date" name="to" value={utcDate(range.end - 1)} onChange={(e) => set({ to: e.currentTarget.value })} />
            </label>
          </>
        )}
        <label class="field">
          <span class="field-label">Stack by</span>
          <select name="group" value={group} onChange={(e) => set({ group: e.currentTarget.value })}>
            {GROUPS.map((g) => (
              <option key={g.id} value={g.id}>
                {g.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={download} disabled={!load.data || load.loading}>
          Download CSV
        </button>
      </form>
      {load.error && <ErrorBox error={load.error} onRetry={load.reload} />}
      {load.data && load.data.unpriced.length > 0 && (
        <div class="card unpriced" role="note" data-testid="unpriced">
          <strong>Not in these costs: usage without a price.</strong>
          <ul>
            {load.data.unpriced.map((u) => (
              <li key={`${u.kind}|${u.model}|${u.tier}`}>
                {u.records.toLocaleString('en-US')} {u.records === 1 ? 'record' : 'records'} of {u.model ?? u.kind} ({u.kind}, {u.tier} tier)
              </li>
            ))}
          </ul>
          <span class="muted">
            Usage is priced as it arrives: add these prices to a prices file (pricesFile / ORGLEDGER_PRICES_FILE) so later usage is priced.
          </span>
        </div>
      )}
      <div class="totals">
        <div class="card stat">
          <span class="muted">
            Total, {utcDate(range.start)} to {utcDate(range.end - 1)} (UTC)
          </span>
          <strong data-testid="range-total">{load.data ? formatUsd(table.total) : '…'}</strong>
        </div>
      </div>
      <section class="card" aria-labelledby="chart-title" aria-busy={load.loading}>
        <h2 id="chart-title">Daily cost by {group === 'project_id' ? 'project' : 'line item'}</h2>
        <div class={load.loading && load.data ? 'stale' : ''}>
          <ChartOptions kind={kind} onKind={(k) => set({ chart: k === 'lines' ? 'lines' : '' })} zoomable={buckets.length > 1} />
          <StackedBars
            data={chart}
            format={formatUsd}
            title={`Daily cost by ${group === 'project_id' ? 'project' : 'line item'}`}
            kind={kind}
            onZoom={(start, end) => set({ range: 'custom', from: utcDate(start), to: utcDate(end - DAY) })}
          />
        </div>
        {load.data && table.series.length === 0 && <Empty>No costs in this range.</Empty>}
        {table.series.length > 0 && <SeriesTable data={table} chart={chart} format={formatUsd} caption="Daily cost" />}
      </section>
      {load.data && months.length > 0 && (
        <section class="card months" aria-labelledby="months-title">
          <h2 id="months-title">By month (UTC) and {group === 'project_id' ? 'project' : 'line item'}</h2>
          <div class="table-wrap">
            <table class="month-table">
              <thead>
                <tr>
                  <th scope="col">Month</th>
                  <th scope="col">{group === 'project_id' ? 'Project' : 'Line item'}</th>
                  <th scope="col">Amount</th>
                </tr>
              </thead>
              <tbody>
                {months.flatMap((m) => [
                  <tr key={m.month} class="month-total" data-month={m.month}>
                    <th scope="row">{m.month}</th>
                    <td>All</td>
                    <td class="num" data-testid="month-total">
                      {formatUsd(m.total)}
                    </td>
                  </tr>,
                  ...m.groups.map(([g, v]) => (
                    <tr key={`${m.month}|${g}`} data-month={m.month} data-group={g}>
                      <td />
                      <td>{g}</td>
                      <td class="num">{formatUsd(v)}</td>
                    </tr>
                  )),
                ])}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <div class="tops">
        <TopList title="Top projects" rows={top(load.data?.byProject ?? [], (r) => groupValue(r, 'project_id'))} />
        <TopList title="Top keys" rows={top(load.data?.byKey ?? [], (r) => groupValue(r, 'api_key_id'))} />
        <TopList title="Top models" rows={top(load.data?.byLineItem ?? [], modelOf)} />
      </div>
      {load.data && lineItems.length > 0 && (
        <LineItemsTable
          rows={lineItems}
          onDownload={() => save(lineItemsCsv(lineItems), `orgledger-line-items-${utcDate(range.start)}-to-${utcDate(range.end - 1)}.csv`)}
        />
      )}
    </section>
  );
}
