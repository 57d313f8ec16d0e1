/**
 * The landing page: month-to-date spend against the previous month at the same day, the month-end
 * projection, daily spend, the week's biggest movers, unpriced usage, and recent sensitive events.
 * Each panel loads and fails on its own; a panel that has not loaded shows no figure at all.
 */
import { type AuditLogPage, allBuckets, api, type Bucket, type UsageResult } from '../api.js';
import { EntityName } from '../components/entity.js';
import { StackedBars } from '../components/stacked-bars.js';
import { Empty, ErrorBox } from '../components/status.js';
import { type Directory, useDirectory } from '../directory.js';
import { formatUsd, fullTime, nowSeconds, recentTime, utcDate, utcTime } from '../format.js';
import { amountOf, type Mover, monthFigures, months, movers, percentChange } from '../overview-math.js';
import { navigate, type Route } from '../router.js';
import { sentence, sentenceText } from '../sentence.js';
import { buildSeries } from '../series.js';
import { useFetch } from '../use-fetch.js';

const DAY = 86400;

/** Events a security lead wants to see first. */
export const SENSITIVE_TYPES = [
  'api_key.created',
  'api_key.deleted',
  'service_account.created',
  'service_account.deleted',
  'user.updated',
  'role.created',
  'role.updated',
  'role.deleted',
  'role.assignment.created',
  'role.assignment.deleted',
  'ip_allowlist.created',
  'ip_allowlist.updated',
  'ip_allowlist.deleted',
  'ip_allowlist.config.activated',
  'ip_allowlist.config.deactivated',
  'scim.enabled',
  'scim.disabled',
  'login.failed',
];
/** Failed sign-ins read to find bursts: the newest this many of the week. */
const FAILED_SAMPLE = 100;

interface UnpricedUsage {
  kind: string;
  model: string | null;
  tier: string;
  records: number;
}

/** The week's movers: projects and keys from one request grouped by both, models from one by line item. */
interface MoverData {
  byProject: Mover[];
  byKey: Mover[];
}

interface CountBucket {
  start_time: number;
  end_time: number;
  results: { type: string; count: number }[];
}

/**
 * The panel's data: counts per type for the last two weeks (one server-side count) and the newest
 * sensitive events, in parallel; then, where the week has any, a bounded sample of failed sign-ins for the bursts.
 */
async function securityData(now: number, signal: AbortSignal) {
  const week = { 'effective_at[gte]': now - 7 * DAY, 'effective_at[lt]': now };
  const [counts, recent] = await Promise.all([
    api<{ data: CountBucket[] }>('GET', 'audit_logs/counts', {
      query: { event_types: SENSITIVE_TYPES, start_time: now - 14 * DAY, end_time: now, bucket_width: '7d' },
      signal,
    }),
    api<AuditLogPage>('GET', 'audit_logs', { query: { event_types: SENSITIVE_TYPES, ...week, limit: 8 }, signal }),
  ]);
  // Only a week with three or more failed sign-ins can hold a burst (and the overview's other reads stay within the per-key limit).
  const failedCount = counts.data[1]?.results.find((r) => r.type === 'login.failed')?.count ?? 0;
  const failed =
    failedCount >= 3
      ? await api<AuditLogPage>('GET', 'audit_logs', { query: { event_types: ['login.failed'], ...week, limit: FAILED_SAMPLE }, signal })
      : { data: [], has_more: false };
  const asMap = (b: CountBucket | undefined) => new Map((b?.results ?? []).map((r) => [r.type, r.count]));
  return { previous: asMap(counts.data[0]), current: asMap(counts.data[1]), recent: recent.data, failed: failed.data, failedCapped: failed.has_more };
}

const modelOf = (r: UsageResult) => String(r.line_item ?? '').split(', ')[0] || '(none)';
const byField = (field: string) => (r: UsageResult) => (r[field] === null || r[field] === undefined || r[field] === '' ? '(none)' : String(r[field]));

function Stat({ label, value, note, testid }: { label: string; value: string | null; note?: string; testid: string }) {
  return (
    <div class="card stat">
      <span class="muted">{label}</span>
      <strong data-testid={testid}>{value ?? '…'}</strong>
      {note && <span class="muted small">{note}</span>}
    </div>
  );
}

function MoversTable({ title, rows, dir, kind, loading }: { title: string; rows: Mover[] | null; dir: Directory; kind: string; loading: boolean }) {
  return (
    <section class="card movers" aria-label={title} aria-busy={loading}>
      <h2>{title}</h2>
      {rows === null ? (
        <p class="muted">{loading ? 'Loading…' : 'Not loaded.'}</p>
      ) : rows.length === 0 ? (
        <p class="muted">No change week over week.</p>
      ) : (
        <div class="scroll-x-plain">
          <table>
            <thead>
              <tr>
                <th scope="col">{kind}</th>
                <th scope="col" class="num">
                  Last 7 days
                </th>
                <th scope="col" class="num">
                  Change
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.key} data-key={m.key}>
                  <th scope="row" class="mover-name">
                    {kind === 'Model' ? m.key : <EntityName id={m.key} label={dir.label(m.key)} kindLabel={kind} />}
                  </th>
                  <td class="num">{formatUsd(m.current)}</td>
                  <td class={`num ${m.change > 0 ? 'up' : 'down'}`} title={`Previous 7 days: ${formatUsd(m.previous)}`}>
                    {m.change > 0 ? '+' : '−'}
                    {formatUsd(Math.abs(m.change))}
                    <span class="muted pct">{percentChange(m.current, m.previous)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function SecurityPanel({ dir }: { dir: Directory }) {
  const now = nowSeconds();
  const load = useFetch(`security|${Math.floor(now / 300)}`, (signal) => securityData(now, signal));
  const cur = load.data?.current ?? new Map<string, number>();
  const prev = load.data?.previous ?? new Map<string, number>();
  const types = SENSITIVE_TYPES.filter((t) => cur.has(t) || prev.has(t));
  // Failed sign-ins per actor: three or more in the week is worth a look.
  const failed = new Map<string, { label: string; id: string; count: number }>();
  for (const e of load.data?.failed ?? []) {
    const actor = sentence(e, dir)[0];
    if (!actor || 'text' in actor) continue;
    const f = failed.get(actor.id) ?? { label: actor.label, id: actor.id, count: 0 };
    f.count++;
    failed.set(actor.id, f);
  }
  const bursts = [...failed.values()].filter((f) => f.count >= 3).sort((a, b) => b.count - a.count);
  const atLeast = load.data?.failedCapped ? '≥ ' : '';
  return (
    <section class="card security" aria-labelledby="security-title" aria-busy={load.loading}>
      <h2 id="security-title">Security: sensitive events, last 7 days</h2>
      {load.error && <ErrorBox error={new Error(`Audit events could not load: ${load.error.message}`)} onRetry={load.reload} />}
      {!load.data && load.loading && <p class="muted">Loading…</p>}
      {load.data && types.length === 0 && <Empty>No sensitive events in the last 14 days.</Empty>}
      {load.data && types.length > 0 && (
        <div class="security-grid">
          <div class="scroll-x-plain">
            <table data-testid="security-counts">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col" class="num">
                    7 days
                  </th>
                  <th scope="col" class="num">
                    Previous 7
                  </th>
                </tr>
              </thead>
              <tbody>
                {types.map((t) => (
                  <tr key={t} data-type={t}>
                    <th scope="row">
                      <a
                        href={`/logs?type=${t}&range=7d`}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate('/logs', new URLSearchParams({ type: t, range: '7d' }));
                        }}
                      >
                        <code>{t}</code>
                      </a>
                    </th>
                    <td class="num">{cur.get(t) ?? 0}</td>
                    <td class="num">{prev.get(t) ?? 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div>
            {bursts.length > 0 && (
              <div class="notice warn" data-testid="failed-logins">
                <strong>Repeated failed sign-ins:</strong>{' '}
                {bursts.map((b, i) => (
                  <span key={b.id}>
                    {i > 0 && ', '}
                    <EntityName
                      id={b.id}
                      label={b.label}
                      kindLabel="User"
                      onFilter={() => navigate('/logs', new URLSearchParams({ type: 'login.failed', actor: b.id }))}
                    />{' '}
                    ({atLeast}
                    {b.count})
                  </span>
                ))}
              </div>
            )}
            <h3 class="subhead">Most recent</h3>
            <ul class="recent-events">
              {(load.data?.recent ?? []).map((e) => (
                <li key={e.id}>
                  <a
                    href={`/logs?event=${e.id}&type=${e.type}`}
                    onClick={(ev) => {
                      ev.preventDefault();
                      navigate('/logs', new URLSearchParams({ type: e.type, event: e.id }));
                    }}
                  >
                    {sentenceText(sentence(e, dir))}
                  </a>{' '}
                  <time class="muted small" title={`${fullTime(e.effective_at)} · ${utcTime(e.effective_at)}`}>
                    {recentTime(e.effective_at) ?? fullTime(e.effective_at)}
                  </time>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}
    </section>
  );
}

/**
 * Each panel has its own request and shows as soon as its answer is in: the month figures and the
 * trend (one ungrouped daily request, the cheapest), the model movers (line items: the narrowest cost
 * rollup), and the project and key movers from the same rows grouped by both (a key belongs to one
 * project, so it is no bigger than the keys alone, and the project sums need no read of their own).
 * That grouping reads the full cost rollup, the costliest read (docs/console.md, Performance): it is
 * asked as two weeks in parallel, and it no longer holds back the figures above it.
 */
export function OverviewView(_: { route: Route }) {
  const dir = useDirectory();
  const now = nowSeconds();
  const { prevStart } = months(now);
  const todayEnd = Math.floor(now / DAY) * DAY + DAY;
  const split = todayEnd - 7 * DAY;
  const base = { bucket_width: '1d', end_time: todayEnd };
  const week2 = { ...base, start_time: todayEnd - 14 * DAY, limit: 14 };
  const load = useFetch<Bucket[]>(`costs|daily|${todayEnd}`, (signal) =>
    allBuckets('costs', { ...base, start_time: prevStart, limit: Math.round((todayEnd - prevStart) / DAY) }, signal),
  );
  const unpriced = useFetch(`costs|unpriced|${todayEnd}`, (signal) => api<{ data: UnpricedUsage[] }>('GET', 'costs/unpriced', { signal }));
  const models = useFetch<Mover[]>(`costs|models|${todayEnd}`, async (signal) =>
    movers(await allBuckets('costs', { ...week2, group_by: ['line_item'] }, signal), modelOf, split),
  );
  const owners = useFetch<MoverData>(`costs|owners|${todayEnd}`, async (signal) => {
    // Two requests of 7 days each, in parallel: the server's two readers each group half the rows.
    const week = { ...base, group_by: ['project_id', 'api_key_id'], limit: 7 };
    const halves = await Promise.all([
      allBuckets('costs', { ...week, start_time: todayEnd - 14 * DAY, end_time: split }, signal),
      allBuckets('costs', { ...week, start_time: split }, signal),
    ]);
    const buckets = halves.flat();
    return { byProject: movers(buckets, byField('project_id'), split), byKey: movers(buckets, byField('api_key_id'), split) };
  });
  const figures = load.data ? monthFigures(load.data, now) : null;
  const chart = buildSeries(
    (load.data ?? []).filter((b) => b.start_time >= todayEnd - 30 * DAY),
    () => 'spend',
    amountOf,
    { label: () => 'Daily spend' },
  );
  const monthLabel = new Date(now * 1000).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
  return (
    <section class="view overview" aria-labelledby="view-title" data-now={now}>
      <h1 id="view-title">Overview</h1>
      {load.error && <ErrorBox error={new Error(`Costs could not load: ${load.error.message}`)} onRetry={load.reload} />}
      {unpriced.error && <ErrorBox error={new Error(`Unpriced usage could not load: ${unpriced.error.message}`)} onRetry={unpriced.reload} />}
      {unpriced.data && unpriced.data.data.length > 0 && (
        <div class="notice warn" role="note" data-testid="unpriced">
          <strong>Some usage has no price</strong> and is missing from these figures:{' '}
          {unpriced.data.data.map((u) => `${u.model ?? u.kind} (${u.records.toLocaleString('en-US')} records)`).join(', ')}.{' '}
          <a
            href="/costs"
            onClick={(e) => {
              e.preventDefault();
              navigate('/costs');
            }}
          >
            See costs
          </a>
        </div>
      )}
      <div class="stats">
        <Stat
          testid="mtd"
          label={`${monthLabel} to date (UTC)`}
          value={figures ? formatUsd(figures.monthToDate) : null}
          note={
            figures
              ? figures.previousToSameDay === 0
                ? 'Nothing spent last month by this day'
                : `${percentChange(figures.monthToDate, figures.previousToSameDay)} vs last month at the same day`
              : undefined
          }
        />
        <Stat
          testid="previous-same-day"
          label="Last month, same days"
          value={figures ? formatUsd(figures.previousToSameDay) : null}
          note={figures ? `Whole month: ${formatUsd(figures.previousMonth)}` : undefined}
        />
        <Stat
          testid="projection"
          label="Projected month end"
          value={figures ? formatUsd(figures.projection) : null}
          note={figures ? `At the pace of the first ${figures.daysElapsed.toFixed(1)} days` : undefined}
        />
      </div>
      <section class="card" aria-labelledby="trend-title" aria-busy={load.loading}>
        <h2 id="trend-title">Daily spend, last 30 UTC days</h2>
        <div class={load.loading && load.data ? 'stale' : ''}>
          <StackedBars data={chart} format={formatUsd} title="Daily spend" />
        </div>
        {load.data && chart.total === 0 && <Empty>No spend in the last 30 days.</Empty>}
      </section>
      <h2 class="section-title">
        Biggest movers: {utcDate(split)} to {utcDate(todayEnd - 1)} vs the 7 days before
      </h2>
      {models.error && <ErrorBox error={new Error(`Model movers could not load: ${models.error.message}`)} onRetry={models.reload} />}
      {owners.error && <ErrorBox error={new Error(`Project and key movers could not load: ${owners.error.message}`)} onRetry={owners.reload} />}
      <div class="tops">
        <MoversTable title="Projects" kind="Project" dir={dir} rows={owners.data?.byProject ?? null} loading={owners.loading} />
        <MoversTable title="Models" kind="Model" dir={dir} rows={models.data} loading={models.loading} />
        <MoversTable title="Keys" kind="API key" dir={dir} rows={owners.data?.byKey ?? null} loading={owners.loading} />
      </div>
      <SecurityPanel dir={dir} />
    </section>
  );
}
