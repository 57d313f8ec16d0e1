/** The audit log on SQLite: reads on the read-only connection, writes inside the group commit. */
import type Database from 'better-sqlite3';
import type { AuditReads, AuditWrites } from '../../features/audit-logs/store.js';
import type { AuditCountQuery, AuditListQuery, AuditPosition, AuditProvenance, ListedAuditEvent, StoredAuditEvent } from '../../features/audit-logs/types.js';
import { AUDIT_EVENT_COLUMNS, type AuditEventRow, auditEventValues, eventFromRow } from '../rows.js';
import { auditListSql } from './audit-list-sql.js';
import { ledgerAppender } from './ledger-store.js';

type DB = Database.Database;

/** Inserts stored events and their actor ids; the caller owns the transaction. */
export function auditEventInserter(db: DB): (events: StoredAuditEvent[]) => void {
  const insertEvent = db.prepare(`INSERT INTO audit_events (${AUDIT_EVENT_COLUMNS.join(', ')}) VALUES (${AUDIT_EVENT_COLUMNS.map(() => '?').join(', ')})`);
  const insertActor = db.prepare('INSERT OR IGNORE INTO audit_event_actors (org_id, actor_id, effective_at, seq) VALUES (?, ?, ?, ?)');
  const ledger = ledgerAppender(db);
  return (events) => {
    for (const e of events) {
      insertEvent.run(auditEventValues(e, e.tenant ? 1 : 0));
      for (const actorId of e.actorIds) insertActor.run(e.orgId, actorId, e.effectiveAt, e.seq);
    }
    // Each organization's new events become its audit log's next leaves, in seq order.
    const byOrg = new Map<string, StoredAuditEvent[]>();
    for (const e of events) {
      const list = byOrg.get(e.orgId);
      if (list) list.push(e);
      else byOrg.set(e.orgId, [e]);
    }
    for (const [orgId, list] of byOrg)
      ledger.audit(
        orgId,
        list.sort((a, b) => a.seq - b.seq),
      );
  };
}

export class SqliteAuditReads implements AuditReads {
  constructor(private readonly read: (sql: string) => Database.Statement) {}

  async findAuditPosition(orgId: string, id: string): Promise<AuditPosition | null> {
    const row = this.read('SELECT effective_at, seq FROM audit_events WHERE org_id = ? AND id = ?').get(orgId, id) as
      | { effective_at: number; seq: number }
      | undefined;
    return row ? { effectiveAt: row.effective_at, seq: row.seq } : null;
  }

  async findAuditProvenance(orgId: string, ids: string[]): Promise<Map<string, AuditProvenance>> {
    const found = new Map<string, AuditProvenance>();
    if (ids.length === 0) return found;
    const rows = this.read(
      'SELECT id, ingested_at, ingested_by, request_id FROM audit_events INDEXED BY audit_events_id WHERE org_id = ? AND id IN (SELECT value FROM json_each(?))',
    ).all(orgId, JSON.stringify(ids)) as { id: string; ingested_at: number; ingested_by: string | null; request_id: string | null }[];
    for (const r of rows) found.set(r.id, { ingestedAt: r.ingested_at, ingestedBy: r.ingested_by, requestId: r.request_id });
    return found;
  }

  async listAuditEvents(query: AuditListQuery): Promise<ListedAuditEvent[]> {
    const statements = auditListSql(query);
    let rows: AuditEventRow[];
    if (statements.length === 1) {
      const { sql, params } = statements[0] as { sql: string; params: unknown[] };
      rows = this.read(sql).all(...params) as AuditEventRow[];
    } else {
      // One statement per value of the driving filter, each already in list order: merge and cut.
      rows = statements.flatMap(({ sql, params }) => this.read(sql).all(...params) as AuditEventRow[]);
      const sign = query.direction === 'desc' ? -1 : 1;
      rows.sort((a, b) => sign * (a.effective_at - b.effective_at || a.seq - b.seq));
      rows.length = Math.min(rows.length, query.fetch);
    }
    return rows.map(eventFromRow);
  }

  async countAuditEvents(q: AuditCountQuery): Promise<{ type: string; bucket: number; count: number }[]> {
    // The type index holds (type, effective_at): each type's period is one index range, no row is read.
    return this.read(
      `SELECT type, CAST((effective_at - ?) / ? AS INTEGER) AS bucket, count(*) AS count FROM audit_events INDEXED BY audit_events_type
       WHERE org_id = ? AND type IN (SELECT value FROM json_each(?)) AND effective_at >= ? AND effective_at < ? GROUP BY type, bucket`,
    ).all(q.start, q.width, q.orgId, JSON.stringify(q.types), q.start, q.end) as { type: string; bucket: number; count: number }[];
  }
}

export class SqliteAuditWrites implements AuditWrites {
  private readonly s;
  constructor(db: DB) {
    this.s = {
      // INDEXED BY: without it SQLite walks every event of the organization (primary key on org_id) and tests
      // each id against the list, so a lookup grew with the log (14 s of a 100k-event mirror).
      eventHashes: db.prepare(
        'SELECT id, content_hash, effective_at, seq FROM audit_events INDEXED BY audit_events_id WHERE org_id = ? AND id IN (SELECT value FROM json_each(?))',
      ),
      allocSeq: db.prepare('UPDATE organizations SET audit_seq = audit_seq + ? WHERE id = ? RETURNING audit_seq'),
      insertEvents: auditEventInserter(db),
    };
  }

  async findAuditEventHashes(orgId: string, ids: string[]) {
    const found = new Map<string, { contentHash: string; effectiveAt: number; seq: number }>();
    if (ids.length === 0) return found;
    for (const row of this.s.eventHashes.all(orgId, JSON.stringify(ids)) as { id: string; content_hash: string; effective_at: number; seq: number }[]) {
      found.set(row.id, { contentHash: row.content_hash, effectiveAt: row.effective_at, seq: row.seq });
    }
    return found;
  }
  async allocateAuditSeq(orgId: string, count: number) {
    const row = this.s.allocSeq.get(count, orgId) as { audit_seq: number } | undefined;
    if (!row) throw new Error(`organization ${orgId} does not exist`);
    return row.audit_seq - count + 1;
  }
  async insertAuditEvents(events: StoredAuditEvent[]) {
    this.s.insertEvents(events);
  }
}
