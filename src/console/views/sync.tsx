/** The upstream mirror (`orgledger sync`, `serve --sync-from`): the run holding the lock, and each stream's cursor, lag, last run and error. */
import { api } from '../api.js';
import { Empty, ErrorBox } from '../components/status.js';
import { fullTime, utcTime } from '../format.js';
import { useFetch } from '../use-fetch.js';

export interface SyncStream {
  stream: string;
  position: number;
  lag_seconds: number;
  last_run_at: number;
  last_error: string | null;
  records: number;
}
export interface SyncStatus {
  running: { pid: number; host: string; started_at: number; lease_expires_at: number } | null;
  last_run_at: number | null;
  failing: boolean;
  streams: SyncStream[];
}

const when = (t: number) => (
  <time dateTime={new Date(t * 1000).toISOString()} title={utcTime(t)}>
    {fullTime(t)}
  </time>
);

/** A lag read at a glance: seconds up to a minute, then the largest unit. */
export function lagText(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} d`;
}

export function SyncView() {
  const status = useFetch<SyncStatus>('sync', (signal) => api<SyncStatus>('GET', 'sync', { signal }));
  const s = status.data;
  return (
    <section class="view sync" aria-labelledby="view-title">
      <h1 id="view-title">Upstream sync</h1>
      {status.error && <ErrorBox error={status.error} onRetry={status.reload} />}
      {s && (
        <dl class="facts card" data-testid="sync-summary" data-failing={String(s.failing)}>
          <dt>Last run</dt>
          <dd data-testid="last-run">{s.last_run_at === null ? 'never synced' : when(s.last_run_at)}</dd>
          <dt>Running now</dt>
          <dd data-testid="running">
            {s.running ? (
              <>
                {s.running.host} pid {s.running.pid}, since {when(s.running.started_at)} (lease until {when(s.running.lease_expires_at)})
              </>
            ) : (
              'no'
            )}
          </dd>
          <dt>State</dt>
          <dd>
            <span class={`badge ${s.failing ? 'failing' : 'active'}`}>{s.failing ? 'failing' : 'ok'}</span>
          </dd>
        </dl>
      )}
      {s && s.streams.length === 0 && <Empty>This organization is no mirror: run `orgledger sync` or `serve --sync-from` to copy one.</Empty>}
      <div class="table-wrap">
        <table class="stream-table sync-table" aria-busy={status.loading} aria-label="Synced streams">
          <thead>
            <tr>
              <th scope="col">Stream</th>
              <th scope="col">Mirrored up to</th>
              <th scope="col">Lag</th>
              <th scope="col">Records</th>
              <th scope="col">Last run</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {(s?.streams ?? []).map((r) => (
              <tr key={r.stream} data-stream={r.stream} data-status={r.last_error ? 'failing' : 'active'}>
                <th scope="row">
                  <code>{r.stream}</code>
                </th>
                <td data-label="Mirrored up to">{when(r.position)}</td>
                <td data-label="Lag" class="num" data-testid="lag" title={`${r.lag_seconds.toLocaleString('en-US')} s`}>
                  {lagText(r.lag_seconds)}
                </td>
                <td data-label="Records" class="num" data-testid="records">
                  {r.records.toLocaleString('en-US')}
                </td>
                <td data-label="Last run">{when(r.last_run_at)}</td>
                <td data-label="Last error" data-testid="last-error">
                  {r.last_error ? <span class="wrap badge failing">{r.last_error}</span> : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
