/** Each log stream's delivery figures in /metrics, read from its durable counters and cursors at scrape time; lag as the API shows it. */
import { streamLag } from '../features/log-streams/lag.js';
import type { Store } from '../store/store.js';

const SERIES: { name: string; help: string }[] = [
  { name: 'orgledger_log_stream_delivered_total', help: 'Log streams: records the receiver acknowledged.' },
  { name: 'orgledger_log_stream_failed_total', help: 'Log streams: failed delivery attempts.' },
  { name: 'orgledger_log_stream_retried_total', help: 'Log streams: delivery attempts that were retries of a batch.' },
  { name: 'orgledger_log_stream_lag_records', help: 'Log streams: records stored but not yet acknowledged (filtered-out ones included).' },
  { name: 'orgledger_log_stream_lag_seconds', help: 'Log streams: age in seconds of the oldest record not yet acknowledged (0 when none waits).' },
  { name: 'orgledger_log_stream_failing', help: 'Log streams: 1 while the stream is failing (see last_error).' },
];

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export async function logStreamMetricLines(store: Store, nowSeconds: number): Promise<string[]> {
  const values: string[][] = SERIES.map(() => []);
  for (const s of await store.logStreams.listAllLogStreams()) {
    const lag = await streamLag(store.logStreams, s, nowSeconds);
    const labels = `{org="${esc(s.orgId)}",stream="${esc(s.id)}",sink="${esc(s.sink.type)}"}`;
    const v = [s.delivered, s.failed, s.retried, lag.records, lag.seconds, s.status === 'failing' ? 1 : 0];
    for (const [i, x] of v.entries()) values[i]?.push(`${SERIES[i]?.name}${labels} ${x}`);
  }
  if (values[0]?.length === 0) return [];
  return SERIES.flatMap((s, i) => [`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.name.endsWith('_total') ? 'counter' : 'gauge'}`, ...(values[i] ?? [])]);
}
