/** The sync lock's SQL, shared by both engines (`?` placeholders; PostgreSQL numbers them). */
import type { SyncLock } from '../features/sync/types.js';

export interface SyncLockRow {
  org_id: string;
  owner: string;
  host: string;
  pid: number;
  acquired_at: number;
  expires_at: number;
}

export const lockFromRow = (r: SyncLockRow): SyncLock => ({
  orgId: r.org_id,
  owner: r.owner,
  host: r.host,
  pid: Number(r.pid),
  acquiredAt: Number(r.acquired_at),
  expiresAt: Number(r.expires_at),
});

export const lockValues = (l: SyncLock): unknown[] => [l.orgId, l.owner, l.host, l.pid, l.acquiredAt, l.expiresAt];

export const SYNC_LOCK_SQL = {
  find: 'SELECT * FROM sync_locks WHERE org_id = ?',
  // Inserted, or taken over only from the owner the caller found stale: a racing taker updates nothing.
  take: `INSERT INTO sync_locks (org_id, owner, host, pid, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,
           acquired_at = excluded.acquired_at, expires_at = excluded.expires_at
         WHERE sync_locks.owner = ?`,
  renew: 'UPDATE sync_locks SET expires_at = ? WHERE org_id = ? AND owner = ?',
  release: 'DELETE FROM sync_locks WHERE org_id = ? AND owner = ?',
};
