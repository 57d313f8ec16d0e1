/** The audit log on SQLite: reads on the read-only connection, writes inside the group commit. */
import type Database from 'better-sqlite3';
import type { AuditReads, AuditWrites } from '../../features/audit-logs/store.js';
import type { AuditCountQuery, AuditListQuery, AuditPosition, AuditProvenance, ListedAuditEvent, StoredAuditEvent } from '../../features/audit-logs/types.js';
import { eventTerms, missingTerms, TERM_DIM, TermCache, type TermDim } from '../audit-terms.js';
import { AUDIT_EVENT_COLUMNS, type AuditEventRow, auditEventValues, eventFromRow } from '../rows.js';
import { auditListSql } from './audit-list-sql.js';
import { ledgerAppender } from './ledger-store.js';

type DB = Database.Database;

/**
 * Inserts stored events, their actor ids and their filter postings; the caller owns the transaction.
 * `forgetTerms` must be called when a transaction or savepoint rolls back (see TermCache).
 */
export function auditEventInserter(db: DB): ((events: StoredAuditEvent[]) => void) & { forgetTerms: () => void } {
  const insertEvent = db.prepare(`INSERT INTO audit_events (${AUDIT_EVENT_COLUMNS.join(', ')}) VALUES (${AUDIT_EVENT_COLUMNS.map(() => '?').join(', ')})`);
  const insertActor = db.prepare('INSERT OR IGNORE INTO audit_event_actors (org_id, actor_id, effective_at, seq) VALUES (?, ?, ?, ?)');
  const findTerm = db.prepare('SELECT term_id FROM audit_terms WHERE org_id = ? AND dim = ? AND value = ?').pluck();
  const allocTerms = db.prepare('UPDATE organizations SET audit_terms = audit_terms + ? WHERE id = ? RETURNING audit_terms').pluck();
  const insertTerm = db.prepare('INSERT OR IGNORE INTO audit_terms (org_id, dim, value, term_id) VALUES (?, ?, ?, ?)');
  const insertPosting = db.prepare('INSERT INTO audit_postings (org_id, term_id, effective_at, seq) VALUES (?, ?, ?, ?)');
  const terms = new TermCache();
  const ledger = ledgerAppender(db);
  const resolve = (events: StoredAuditEvent[]) => {
    for (const [orgId, missing] of missingTerms(terms, events)) {
      // Ids for every missing term at once (a known term wastes its id: gaps are harmless), then one
      // insert per term, which finds an existing term without a separate read.
      const last = allocTerms.get(missing.size, orgId) as number | undefined;
      if (last === undefined) throw new Error(`organization ${orgId} does not exist`);
      let id = last - missing.size;
      for (const [key, [dim, value]] of missing) {
        id++;
        if (insertTerm.run(orgId, dim, value, id).changes > 0) terms.set(orgId, key, id);
        else terms.set(orgId, key, findTerm.get(orgId, dim, value) as number);
      }
    }
  };
  const POSTINGS_PER_STATEMENT = 64;
  const insertPostings = db.prepare(
    `INSERT INTO audit_postings (org_id, term_id, effective_at, seq) VALUES ${Array.from({ length: POSTINGS_PER_STATEMENT }, () => '(?, ?, ?, ?)').join(', ')}`,
  );
  /** A batch's postings in key order (neighbouring inserts share pages), many rows per statement. */
  const post = (events: StoredAuditEvent[]) => {
    const rows: [string, number, number, number][] = [];
    for (const e of events)
      for (const [dim, value] of eventTerms(e)) rows.push([e.orgId, terms.get(e.orgId, TermCache.key(dim, value)) as number, e.effectiveAt, e.seq]);
    rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1] || a[2] - b[2] || a[3] - b[3]));
    let i = 0;
    const params: (string | number)[] = new Array(POSTINGS_PER_STATEMENT * 4);
    for (; i + POSTINGS_PER_STATEMENT <= rows.length; i += POSTINGS_PER_STATEMENT) {
      for (let j = 0; j < POSTINGS_PER_STATEMENT; j++) {
        const r = rows[i + j] as [string, number, number, number];
        params[j * 4] = r[0];
        params[j * 4 + 1] = r[1];
        params[j * 4 + 2] = r[2];
        params[j * 4 + 3] = r[3];
      }
      insertPostings.run(params);
    }
    for (; i < rows.length; i++) insertPosting.run(rows[i]);
  };
  const insert = (events: StoredAuditEvent[]) => {
    resolve(events);
    for (const e of events) {
      insertEvent.run(auditEventValues(e, e.tenant ? 1 : 0));
      for (const actorId of e.actorIds) insertActor.run(e.orgId, actorId, e.effectiveAt, e.seq);
    }
    post(events);
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
  return Object.assign(insert, { forgetTerms: () => terms.clear() });
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
    // A type's postings hold (term, effective_at): each type's period is one range of audit_postings, no event row is read.
    return this.read(
      `SELECT t.value AS type, CAST((p.effective_at - ?) / ? AS INTEGER) AS bucket, count(*) AS count
       FROM audit_terms t JOIN audit_postings p ON p.org_id = t.org_id AND p.term_id = t.term_id
       WHERE t.org_id = ? AND t.dim = ${TERM_DIM.type} AND t.value IN (SELECT value FROM json_each(?)) AND p.effective_at >= ? AND p.effective_at < ?
       GROUP BY t.value, bucket`,
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
      inserter: auditEventInserter(db),
    };
  }

  /** A rollback undid terms this writer may have cached. */
  forgetTerms(): void {
    this.s.inserter.forgetTerms();
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
    this.s.inserter(events);
  }
}
