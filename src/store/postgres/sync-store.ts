/** The upstream mirror's cursors on PostgreSQL. */
import type pg from 'pg';
import type { SyncReads, SyncWrites } from '../../features/sync/store.js';
import type { SyncCursor } from '../../features/sync/types.js';
import { cursorFromRow } from '../sqlite/sync-store.js';
import type { ReadRows } from './rows.js';

type CursorRow = Parameters<typeof cursorFromRow>[0];

export class PgSyncReads implements SyncReads {
  constructor(private readonly rows: ReadRows) {}

  async listSyncCursors(orgId: string): Promise<SyncCursor[]> {
    return (await this.rows<CursorRow>('sync_cursors', 'SELECT * FROM sync_cursors WHERE org_id = $1 ORDER BY stream', [orgId])).map(cursorFromRow);
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
}
