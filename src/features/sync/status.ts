/** The mirror's status as the API answers it: the cursors of every stream and the lock of a run in progress. */
import type { SyncStatus } from './schemas.js';
import type { SyncReads } from './store.js';

export async function syncStatus(store: { sync: SyncReads }, orgId: string, now: number): Promise<SyncStatus> {
  const [cursors, lock] = await Promise.all([store.sync.listSyncCursors(orgId), store.sync.getSyncLock(orgId)]);
  const streams = cursors.map((c) => ({
    stream: c.stream,
    position: c.position,
    lag_seconds: Math.max(0, now - c.position),
    last_run_at: c.lastRunAt,
    last_error: c.lastError,
    records: c.records,
  }));
  return {
    object: 'organization.sync_status',
    // An expired lease is a run that died: nothing is running.
    running: lock && lock.expiresAt > now ? { pid: lock.pid, host: lock.host, started_at: lock.acquiredAt, lease_expires_at: lock.expiresAt } : null,
    last_run_at: streams.length > 0 ? Math.max(...streams.map((s) => s.last_run_at)) : null,
    failing: streams.some((s) => s.last_error !== null),
    streams,
  };
}
