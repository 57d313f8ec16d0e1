/** The audit log on PostgreSQL: reads on the pool, writes on the group commit's client. */
import type pg from 'pg';
import type { AuditReads, AuditWrites } from '../../features/audit-logs/store.js';
import type { AuditCountQuery, AuditListQuery, AuditPosition, AuditProvenance, ListedAuditEvent, StoredAuditEvent } from '../../features/audit-logs/types.js';
import { AUDIT_EVENT_COLUMNS, auditEventValues } from '../rows.js';
import { auditListSql } from './audit-list-sql.js';
import { copyRows } from './bulk-insert.js';
import { appendAuditLeaves } from './ledger-store.js';
import { MissingPartitionsError, type PartitionManager } from './partitions.js';
import { type AuditEventRow, actorRows, eventFromRow, type ReadRows } from './rows.js';

export class PgAuditReads implements AuditReads {
  constructor(private readonly rows: ReadRows) {}

  async findAuditPosition(orgId: string, id: string): Promise<AuditPosition | null> {
    const [row] = await this.rows<{ effective_at: number; seq: number }>(
      'audit_position',
      'SELECT effective_at, seq FROM audit_event_ids WHERE org_id = $1 AND id = $2',
      [orgId, id],
    );
    return row ? { effectiveAt: row.effective_at, seq: row.seq } : null;
  }

  /** Through the id table (unpartitioned, keyed by id) to the event's primary key, so each lookup touches one partition. */
  async findAuditProvenance(orgId: string, ids: string[]): Promise<Map<string, AuditProvenance>> {
    const found = new Map<string, AuditProvenance>();
    if (ids.length === 0) return found;
    const rows = await this.rows<{ id: string; ingested_at: string | number; ingested_by: string | null; request_id: string | null }>(
      'audit_provenance',
      // LATERAL ... LIMIT 1 (as the live tail does): one primary-key probe per id, never a join over the organization's events.
      `SELECT i.id, e.ingested_at, e.ingested_by, e.request_id FROM audit_event_ids i
       CROSS JOIN LATERAL (SELECT ingested_at, ingested_by, request_id FROM audit_events e
         WHERE e.org_id = i.org_id AND e.tenant IN (false, true) AND e.effective_at = i.effective_at AND e.seq = i.seq LIMIT 1) e
       WHERE i.org_id = $1 AND i.id = ANY($2::text[])`,
      [orgId, ids],
    );
    for (const r of rows) found.set(r.id, { ingestedAt: Number(r.ingested_at), ingestedBy: r.ingested_by, requestId: r.request_id });
    return found;
  }

  async listAuditEvents(query: AuditListQuery): Promise<ListedAuditEvent[]> {
    const { text, values } = auditListSql(query);
    return (await this.rows<AuditEventRow>(undefined, text, values)).map(eventFromRow);
  }

  async countAuditEvents(q: AuditCountQuery): Promise<{ type: string; bucket: number; count: number }[]> {
    return this.rows<{ type: string; bucket: number; count: number }>(
      'audit_counts',
      `SELECT type, ((effective_at - $2::bigint) / $3::bigint)::int AS bucket, count(*)::int AS count FROM audit_events
       WHERE org_id = $1 AND type = ANY($4::text[]) AND effective_at >= $2::bigint AND effective_at < $5::bigint GROUP BY 1, 2`,
      [q.orgId, q.start, q.width, q.types, q.end],
    );
  }
}

export class PgAuditWrites implements AuditWrites {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly partitions: PartitionManager,
  ) {}

  /**
   * Takes the organization's row lock first (the one allocateAuditSeq takes anyway), so a writer in
   * another process that is inserting the same ids has committed before this read looks for them.
   */
  async findAuditEventHashes(orgId: string, ids: string[]) {
    const found = new Map<string, { contentHash: string; effectiveAt: number; seq: number }>();
    if (ids.length === 0) return found;
    await this.client.query({ name: 'orgledger_tx_org_lock', text: 'SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', values: [orgId] });
    const { rows } = await this.client.query<{ id: string; content_hash: string; effective_at: number; seq: string }>({
      name: 'orgledger_tx_event_hashes_seq',
      text: 'SELECT id, content_hash, effective_at, seq FROM audit_event_ids WHERE org_id = $1 AND id = ANY($2::text[])',
      values: [orgId, ids],
    });
    for (const row of rows) found.set(row.id, { contentHash: row.content_hash, effectiveAt: row.effective_at, seq: Number(row.seq) });
    return found;
  }

  /** The row lock taken here is held until the batch commits: writers of one organization take turns, so seq stays dense. */
  async allocateAuditSeq(orgId: string, count: number) {
    const { rows } = await this.client.query<{ audit_seq: number }>({
      name: 'orgledger_tx_alloc_seq',
      text: 'UPDATE organizations SET audit_seq = audit_seq + $1 WHERE id = $2 RETURNING audit_seq',
      values: [count, orgId],
    });
    const row = rows[0];
    if (!row) throw new Error(`organization ${orgId} does not exist`);
    return row.audit_seq - count + 1;
  }

  async insertAuditEvents(events: StoredAuditEvent[]) {
    if (events.length === 0) return;
    const missing = await this.partitions.missing(
      this.client,
      events.map((e) => e.effectiveAt),
    );
    if (missing.length > 0) throw new MissingPartitionsError(missing);
    // Three COPY streams: the id table (idempotency and cursors), the actor index, then the events.
    await copyRows(
      this.client,
      'audit_event_ids',
      ['org_id', 'id', 'effective_at', 'seq', 'content_hash'],
      events.map((e) => [e.orgId, e.id, e.effectiveAt, e.seq, e.contentHash]),
    );
    await copyRows(this.client, 'audit_event_actors', ['org_id', 'actor_id', 'effective_at', 'seq'], actorRows(events));
    await copyRows(
      this.client,
      'audit_events',
      AUDIT_EVENT_COLUMNS,
      events.map((e) => auditEventValues(e, e.tenant)),
    );
    // Each organization's new events become its audit log's next leaves, in seq order.
    const byOrg = new Map<string, StoredAuditEvent[]>();
    for (const e of events) byOrg.set(e.orgId, [...(byOrg.get(e.orgId) ?? []), e]);
    for (const [orgId, list] of byOrg)
      await appendAuditLeaves(
        this.client,
        orgId,
        list.sort((a, b) => a.seq - b.seq),
      );
  }
}
