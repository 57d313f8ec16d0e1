/** The live tail on SQLite: reads through the primary key (org_id, seq) on the read-only connection. */
import type Database from 'better-sqlite3';
import type { ListedAuditEvent } from '../../features/audit-logs/types.js';
import type { LiveTailReads } from '../../features/live-tail/store.js';
import { type AuditEventRow, eventFromRow } from '../rows.js';

const COLUMNS = 'org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body';

export class SqliteLiveTailReads implements LiveTailReads {
  constructor(private readonly read: (sql: string) => Database.Statement) {}

  async auditEventsAfter(orgId: string, afterSeq: number, limit: number): Promise<ListedAuditEvent[]> {
    const rows = this.read(`SELECT ${COLUMNS} FROM audit_events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`).all(orgId, afterSeq, limit);
    return (rows as AuditEventRow[]).map(eventFromRow);
  }

  async auditHeadSeq(orgId: string): Promise<number> {
    const row = this.read('SELECT audit_seq FROM organizations WHERE id = ?').get(orgId) as { audit_seq: number } | undefined;
    return row?.audit_seq ?? 0;
  }
}
