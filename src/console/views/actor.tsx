/**
 * One actor's activity over time (`/actor?id=…`): the actor's events (newest 1,000, `actor_ids[]`)
 * per UTC day stacked by type, the count of each type, and the newest as sentences.
 */
import { type AuditLog, type AuditLogPage, api } from '../api.js';
import { StackedBars } from '../components/stacked-bars.js';
import { Empty, ErrorBox } from '../components/status.js';
import { useDirectory } from '../directory.js';
import { formatInt, fullTime, utcTime } from '../format.js';
import type { Route } from '../router.js';
import { sentence, sentenceText } from '../sentence.js';
import { buildSeries } from '../series.js';
import { useFetch } from '../use-fetch.js';

export const TIMELINE_MAX = 1000;
const DAY = 86_400;

/** The actor's newest events, 100 a page, up to TIMELINE_MAX. */
async function actorEvents(id: string, signal: AbortSignal): Promise<{ events: AuditLog[]; more: boolean }> {
  const events: AuditLog[] = [];
  let after: string | null = null;
  for (;;) {
    const page: AuditLogPage = await api<AuditLogPage>('GET', 'audit_logs', { query: { actor_ids: [id], limit: 100, after }, signal });
    events.push(...page.data);
    if (!page.has_more || !page.last_id) return { events, more: false };
    if (events.length >= TIMELINE_MAX) return { events, more: true };
    after = page.last_id;
  }
}

/** Day buckets (UTC) from the oldest event's day to the newest's; weeks past 90 days so bars stay readable. */
function timeline(events: AuditLog[]) {
  if (events.length === 0) return null;
  const times = events.map((e) => e.effective_at);
  const first = Math.floor(Math.min(...times) / DAY) * DAY;
  const last = Math.max(...times);
  const width = last - first > 90 * DAY ? 7 * DAY : DAY;
  const buckets: { start_time: number; end_time: number; results: { object: string; type: string }[] }[] = [];
  for (let t = first; t <= last; t += width) buckets.push({ start_time: t, end_time: t + width, results: [] });
  for (const e of events) buckets[Math.floor((e.effective_at - first) / width)]?.results.push({ object: 'event', type: e.type });
  return buildSeries(
    buckets,
    (r) => String(r.type),
    () => 1,
    { maxSeries: 8 },
  );
}

export function ActorView({ route }: { route: Route }) {
  const id = route.params.get('id') ?? '';
  const list = useFetch(`actor:${id}`, (signal) => (id ? actorEvents(id, signal) : Promise.resolve({ events: [], more: false })));
  const dir = useDirectory(list.data !== null);
  const events = list.data?.events ?? [];
  const series = timeline(events);
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const byCount = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const name = dir.name(id);
  return (
    <section class="view actor" aria-labelledby="view-title">
      <h1 id="view-title">
        Activity of <span data-testid="actor-name">{name ?? id}</span>
        {name && <code class="muted small"> {id}</code>}
      </h1>
      <p class="muted">
        <a href={`/logs?${new URLSearchParams({ actor: id })}`}>All events by this actor in the audit log</a>
      </p>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {!id && <Empty>No actor chosen: open an event and follow “Timeline of …”.</Empty>}
      {list.data && id && events.length === 0 && <Empty>No events by this actor.</Empty>}
      {list.data && events.length > 0 && (
        <p data-testid="actor-total" data-count={events.length}>
          {formatInt(events.length)} events{list.data.more ? ` (the newest ${formatInt(TIMELINE_MAX)}; older ones are in the audit log)` : ''}, by UTC{' '}
          {series && series.width > DAY ? 'week' : 'day'} and type.
        </p>
      )}
      {series && <StackedBars data={series} format={formatInt} title="Events by type over time" />}
      <div class="table-wrap">
        <table class="actor-types" aria-busy={list.loading} aria-label="Events by type">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Events</th>
            </tr>
          </thead>
          <tbody>
            {byCount.map(([type, n]) => (
              <tr key={type} data-type={type}>
                <th scope="row">
                  <a href={`/logs?${new URLSearchParams({ actor: id, type })}`}>
                    <code>{type}</code>
                  </a>
                </th>
                <td class="num">{formatInt(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {events.length > 0 && (
        <>
          <h2>Latest</h2>
          <ol class="actor-latest">
            {events.slice(0, 20).map((e) => (
              <li key={e.id} data-id={e.id}>
                <time dateTime={new Date(e.effective_at * 1000).toISOString()} title={utcTime(e.effective_at)}>
                  {fullTime(e.effective_at)}
                </time>{' '}
                <a href={`/logs?${new URLSearchParams({ actor: id, event: e.id })}`}>{sentenceText(sentence(e, dir))}</a>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
