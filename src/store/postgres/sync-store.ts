/** The upstream mirror's cursors on PostgreSQL. */
import type pg from 'pg';
import type { SyncReads, SyncWrites } from '../../features/sync/store.js';
import type { SyncCursor, SyncLock } from '../../features/sync/types.js';
import { pgPlaceholders } from '../log-stream-sql.js';
import { cursorFromRow } from '../sqlite/sync-store.js';
import { lockFromRow, lockValues, SYNC_LOCK_SQL, type SyncLockRow } from '../sync-lock-sql.js';
import type { ReadRows } from './rows.js';

type CursorRow = Parameters<typeof cursorFromRow>[0];
const LOCK = Object.fromEntries(Object.entries(SYNC_LOCK_SQL).map(([k, v]) => [k, pgPlaceholders(v)])) as Record<keyof typeof SYNC_LOCK_SQL, string>;

export class PgSyncReads implements SyncReads {
  constructor(private readonly rows: ReadRows) {}

  async listSyncCursors(orgId: string): Promise<SyncCursor[]> {
    return (await this.rows<CursorRow>('sync_cursors', 'SELECT * FROM sync_cursors WHERE org_id = $1 ORDER BY stream', [orgId])).map(cursorFromRow);
  }

  async getSyncLock(orgId: string): Promise<SyncLock | null> {
    const [row] = await this.rows<SyncLockRow>('sync_locks', LOCK.find, [orgId]);
    return row ? lockFromRow(row) : null;
  }
}

export class PgSyncWrites implements SyncWrites {
  constructor(private readonly client: pg.PoolClient) {}

  async putSyncCursor(c: SyncCursor): Promise<void> {
    await this.client.query(
      `INSERT INTO sync_cursors (org_id, stream, position, last_run_at, last_error, records) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (org_id, stream) DO UPDATE SET position = excluded.position, last_run_at = excluded.last_run_at,
         last_error = excluded.last_error, records = excluded.records`,
      [c.orgId, c.stream, c.position, c.lastRunAt, c.lastError, c.records],
    );
  }

  async findSyncLock(orgId: string): Promise<SyncLock | null> {
    const [row] = (await this.client.query<SyncLockRow>(LOCK.find, [orgId])).rows;
    return row ? lockFromRow(row) : null;
  }

  async takeSyncLock(lock: SyncLock, replacing: string | null): Promise<boolean> {
    return ((await this.client.query(LOCK.take, [...lockValues(lock), replacing])).rowCount ?? 0) > 0;
  }

  async renewSyncLock(orgId: string, owner: string, expiresAt: number): Promise<boolean> {
    return ((await this.client.query(LOCK.renew, [expiresAt, orgId, owner])).rowCount ?? 0) > 0;
  }

  async releaseSyncLock(orgId: string, owner: string): Promise<void> {
    await this.client.query(LOCK.release, [orgId, owner]);
  }
}
