/** The upstream mirror's status in /metrics, read from the durable cursors at scrape time (per organization and stream). */
import type { Store } from '../store/store.js';

const SERIES: { name: string; help: string }[] = [
  { name: 'orgledger_sync_position_seconds', help: 'Upstream mirror: everything before this time (Unix seconds) is mirrored.' },
  { name: 'orgledger_sync_lag_seconds', help: 'Upstream mirror: seconds between now and the stream position.' },
  { name: 'orgledger_sync_last_run_timestamp_seconds', help: 'Upstream mirror: when a run last touched the stream.' },
  { name: 'orgledger_sync_records_total', help: 'Upstream mirror: records the stream has added, over all runs.' },
  { name: 'orgledger_sync_failing', help: 'Upstream mirror: 1 when the last run of the stream failed (see orgledger sync --status).' },
];

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export async function syncMetricLines(store: Store, nowSeconds: number): Promise<string[]> {
  const orgs = await store.keys.listOrganizations();
  const values: string[][] = SERIES.map(() => []);
  for (const org of orgs) {
    for (const c of await store.sync.listSyncCursors(org.id)) {
      const labels = `{org="${esc(org.id)}",stream="${esc(c.stream)}"}`;
      const v = [c.position, Math.max(0, nowSeconds - c.position), c.lastRunAt, c.records, c.lastError ? 1 : 0];
      for (const [i, x] of v.entries()) values[i]?.push(`${SERIES[i]?.name}${labels} ${x}`);
    }
  }
  if (values[0]?.length === 0) return [];
  return SERIES.flatMap((s, i) => [`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.name.endsWith('_total') ? 'counter' : 'gauge'}`, ...(values[i] ?? [])]);
}
