/**
 * The live tail on PostgreSQL. audit_events is partitioned by time, so the sequence is found through
 * audit_event_ids' unique (org_id, seq) index and joined back by the primary key (both tenant values).
 * The join is a LATERAL lookup with LIMIT 1 so it stays one primary-key probe per row: as a plain join,
 * with statistics that lag a growing table, PostgreSQL chose a hash join over every event of the
 * organization (92 ms for 10 new rows at 36k events, growing with the table; 0.2 ms as probes).
 * Sequence numbers become visible in order: writers of one organization hold its row lock until commit.
 */
import type { ListedAuditEvent } from '../../features/audit-logs/types.js';
import type { LiveTailReads } from '../../features/live-tail/store.js';
import { type AuditEventRow, eventFromRow, type ReadRows } from './rows.js';

const COLUMNS = ['org_id', 'seq', 'id', 'effective_at', 'type', 'tenant', 'project_id', 'actor_email', 'resource_id', 'content_hash', 'ingested_at', 'body']
  .map((c) => `e.${c}`)
  .join(', ');

export class PgLiveTailReads implements LiveTailReads {
  constructor(private readonly rows: ReadRows) {}

  async auditEventsAfter(orgId: string, afterSeq: number, limit: number): Promise<ListedAuditEvent[]> {
    const rows = await this.rows<AuditEventRow>(
      'live_tail_after',
      `SELECT e.* FROM (SELECT effective_at, seq FROM audit_event_ids WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3) i
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM audit_events e
         WHERE e.org_id = $1 AND e.tenant IN (false, true) AND e.effective_at = i.effective_at AND e.seq = i.seq LIMIT 1) e
       ORDER BY i.seq`,
      [orgId, afterSeq, limit],
    );
    return rows.map(eventFromRow);
  }

  async auditHeadSeq(orgId: string): Promise<number> {
    const [row] = await this.rows<{ audit_seq: number }>('live_tail_head', 'SELECT audit_seq FROM organizations WHERE id = $1', [orgId]);
    return row ? Number(row.audit_seq) : 0;
  }
}
