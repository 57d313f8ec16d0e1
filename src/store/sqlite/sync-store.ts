/** The upstream mirror's cursors on SQLite: reads on the read-only connection, writes inside the group commit. */
import type Database from 'better-sqlite3';
import type { SyncReads, SyncWrites } from '../../features/sync/store.js';
import type { SyncCursor, SyncLock } from '../../features/sync/types.js';
import { lockFromRow, lockValues, SYNC_LOCK_SQL, type SyncLockRow } from '../sync-lock-sql.js';

interface CursorRow {
  org_id: string;
  stream: string;
  position: number;
  last_run_at: number;
  last_error: string | null;
  records: number;
}

export function cursorFromRow(r: CursorRow): SyncCursor {
  return {
    orgId: r.org_id,
    stream: r.stream,
    position: Number(r.position),
    lastRunAt: Number(r.last_run_at),
    lastError: r.last_error,
    records: Number(r.records),
  };
}

export class SqliteSyncReads implements SyncReads {
  constructor(private readonly read: (sql: string) => Database.Statement) {}

  async listSyncCursors(orgId: string): Promise<SyncCursor[]> {
    return (this.read('SELECT * FROM sync_cursors WHERE org_id = ? ORDER BY stream').all(orgId) as CursorRow[]).map(cursorFromRow);
  }

  async getSyncLock(orgId: string): Promise<SyncLock | null> {
    const row = this.read(SYNC_LOCK_SQL.find).get(orgId) as SyncLockRow | undefined;
    return row ? lockFromRow(row) : null;
  }
}

export class SqliteSyncWrites implements SyncWrites {
  constructor(private readonly db: Database.Database) {}

  async putSyncCursor(c: SyncCursor): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO sync_cursors (org_id, stream, position, last_run_at, last_error, records) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, stream) DO UPDATE SET position = excluded.position, last_run_at = excluded.last_run_at,
           last_error = excluded.last_error, records = excluded.records`,
      )
      .run(c.orgId, c.stream, c.position, c.lastRunAt, c.lastError, c.records);
  }

  async findSyncLock(orgId: string): Promise<SyncLock | null> {
    const row = this.db.prepare(SYNC_LOCK_SQL.find).get(orgId) as SyncLockRow | undefined;
    return row ? lockFromRow(row) : null;
  }

  async takeSyncLock(lock: SyncLock, replacing: string | null): Promise<boolean> {
    return this.db.prepare(SYNC_LOCK_SQL.take).run(...lockValues(lock), replacing).changes > 0;
  }

  async renewSyncLock(orgId: string, owner: string, expiresAt: number): Promise<boolean> {
    return this.db.prepare(SYNC_LOCK_SQL.renew).run(expiresAt, orgId, owner).changes > 0;
  }

  async releaseSyncLock(orgId: string, owner: string): Promise<void> {
    this.db.prepare(SYNC_LOCK_SQL.release).run(orgId, owner);
  }
}
