/** Log streams: where records are pushed (webhook, syslog, Splunk, Elasticsearch, S3), each one's status, lag and last error. */
import { api } from '../api.js';
import { Empty, ErrorBox } from '../components/status.js';
import { fullTime, utcTime } from '../format.js';
import { useFetch } from '../use-fetch.js';

export interface LogStream {
  id: string;
  name: string;
  status: 'active' | 'failing';
  sink: { type?: string; url?: string; host?: string; port?: number; bucket?: string };
  records: string[];
  lag: { records: number; seconds: number };
  delivered: number;
  failed: number;
  last_error: string | null;
  last_error_at: number | null;
  last_delivered_at: number | null;
}

const when = (t: number | null) =>
  t === null ? (
    'never'
  ) : (
    <time dateTime={new Date(t * 1000).toISOString()} title={utcTime(t)}>
      {fullTime(t)}
    </time>
  );

/** Where a sink sends to, without its secrets (the API never returns them after creation anyway). */
function destination(s: LogStream['sink']): string {
  if (s.url) return s.url;
  if (s.host) return `${s.host}:${s.port ?? ''}`;
  if (s.bucket) return `s3://${s.bucket}`;
  return '';
}

export function StreamsView() {
  const list = useFetch<{ data: LogStream[] }>('streams', (signal) => api<{ data: LogStream[] }>('GET', 'log_streams', { signal }));
  const rows = list.data?.data ?? [];
  return (
    <section class="view streams" aria-labelledby="view-title">
      <h1 id="view-title">Log streams</h1>
      {list.error && <ErrorBox error={list.error} onRetry={list.reload} />}
      {list.data && rows.length === 0 && <Empty>No log streams. Create one with the API or `orgledger streams add`.</Empty>}
      <div class="table-wrap">
        <table class="stream-table" aria-busy={list.loading} aria-label="Log streams">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Status</th>
              <th scope="col">Lag</th>
              <th scope="col">Delivered</th>
              <th scope="col">Last delivery</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.id} data-id={s.id} data-status={s.status}>
                <th scope="row">
                  {s.name}
                  <div class="muted small">
                    {s.sink.type} · {s.records.join(', ')} · <code class="wrap">{destination(s.sink)}</code>
                  </div>
                </th>
                <td data-label="Status">
                  <span class={`badge ${s.status}`}>{s.status}</span>
                </td>
                <td data-label="Lag" class="num" data-testid="lag">
                  {s.lag.records.toLocaleString('en-US')} records{s.lag.seconds > 0 ? ` · ${s.lag.seconds.toLocaleString('en-US')} s` : ''}
                </td>
                <td data-label="Delivered" class="num">
                  {s.delivered.toLocaleString('en-US')}
                  {s.failed > 0 ? ` (${s.failed.toLocaleString('en-US')} failed)` : ''}
                </td>
                <td data-label="Last delivery">{when(s.last_delivered_at)}</td>
                <td data-label="Last error" data-testid="last-error">
                  {s.last_error ? (
                    <>
                      <span class="wrap">{s.last_error}</span> <span class="muted small">{when(s.last_error_at)}</span>
                    </>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
