/**
 * Writes on PostgreSQL: the group-commit driver (one pooled client per batch, a savepoint per job) and
 * the WriteTx a job receives. Reads inside a write that decide whether to insert (organization,
 * bootstrap key) first take a transaction-level advisory lock, so processes starting together see
 * each other's rows instead of racing; each lock is its own statement so the read after it takes a
 * fresh snapshot (READ COMMITTED).
 */
import type pg from 'pg';
import type { StoredAuditEvent } from '../../features/audit-logs/types.js';
import type { AdminKeyRecord, Organization } from '../../features/keys/types.js';
import type { CostEntry, UnpricedUsage, UsageInsert } from '../../features/usage/types.js';
import type { TransactionDriver } from '../group-commit.js';
import { AUDIT_EVENT_COLUMNS, auditEventValues } from '../rows.js';
import type { WriteTx } from '../store.js';
import { copyRows } from './bulk-insert.js';
import { HASH_LOCK_NAMESPACES } from './migrations.js';
import { MissingPartitionsError, type PartitionManager } from './partitions.js';
import { type AdminKeyRow, actorRows, keyFromRow, keyValues, type OrganizationRow, orgFromRow } from './rows.js';
import { PgUsageWriter } from './usage-store.js';

export class PgDriver implements TransactionDriver<PgWriteTx> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: PartitionManager,
  ) {}

  async begin(): Promise<PgWriteTx> {
    const client = await this.pool.connect();
    const tx = new PgWriteTx(client, this.partitions);
    // A connection lost between statements emits 'error' on the client; the next statement fails with it.
    client.on('error', tx.onClientError);
    try {
      await client.query('BEGIN');
    } catch (err) {
      tx.done(err);
      throw err;
    }
    return tx;
  }
  async savepoint(tx: PgWriteTx) {
    await tx.client.query('SAVEPOINT job');
  }
  async release(tx: PgWriteTx) {
    await tx.client.query('RELEASE SAVEPOINT job');
  }
  async rollbackToSavepoint(tx: PgWriteTx) {
    await tx.client.query('ROLLBACK TO SAVEPOINT job');
    await tx.client.query('RELEASE SAVEPOINT job');
  }
  async commit(tx: PgWriteTx) {
    try {
      await tx.client.query('COMMIT');
    } catch (err) {
      tx.done(err);
      throw err;
    }
    tx.done();
  }
  async rollback(tx: PgWriteTx) {
    if (tx.released) return;
    try {
      await tx.client.query('ROLLBACK');
      tx.done();
    } catch (err) {
      tx.done(err);
    }
  }
}

const lockStatement = (name: string) => ({ name: `orgledger_lock_${name}`, text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))' });

export class PgWriteTx implements WriteTx {
  released = false;
  private lostConnection: unknown;
  private readonly usage: PgUsageWriter;

  constructor(
    readonly client: pg.PoolClient,
    private readonly partitions: PartitionManager,
  ) {
    this.usage = new PgUsageWriter(client);
  }

  readonly onClientError = (err: unknown) => {
    this.lostConnection = err;
  };

  /** Returns the client to the pool; a client whose connection failed is destroyed instead. */
  done(err?: unknown): void {
    if (this.released) return;
    this.released = true;
    this.client.off('error', this.onClientError);
    this.client.release(err !== undefined || this.lostConnection !== undefined ? ((err ?? this.lostConnection) as Error) : undefined);
  }

  private async lock(namespace: number, key: string) {
    await this.client.query({ ...lockStatement(String(namespace)), values: [namespace, key] });
  }

  async insertOrganization(org: Organization) {
    await this.client.query({
      name: 'orgledger_tx_org_insert',
      text: 'INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)',
      values: [org.id, org.name, org.createdAt],
    });
  }

  /** Locks the id first: ensureOrganization's check-then-insert is safe across processes. */
  async getOrganization(id: string) {
    await this.lock(HASH_LOCK_NAMESPACES.organization, id);
    const { rows } = await this.client.query<OrganizationRow>({
      name: 'orgledger_tx_org_get',
      text: 'SELECT * FROM organizations WHERE id = $1',
      values: [id],
    });
    return rows[0] ? orgFromRow(rows[0]) : null;
  }

  async insertAdminKey(key: AdminKeyRecord) {
    await this.client.query({
      name: 'orgledger_tx_key_insert',
      text: `INSERT INTO admin_keys (org_id, id, name, secret_hash, redacted_value, created_at, expires_at, last_used_at, revoked_at, scopes, owner)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      values: keyValues(key),
    });
  }

  /** Locks the secret first: two processes ensuring the same bootstrap key insert it once. */
  async findAdminKeyByHash(secretHash: string) {
    await this.lock(HASH_LOCK_NAMESPACES.keySecret, secretHash);
    const { rows } = await this.client.query<AdminKeyRow>({
      name: 'orgledger_tx_key_by_hash',
      text: 'SELECT * FROM admin_keys WHERE secret_hash = $1',
      values: [secretHash],
    });
    return rows[0] ? keyFromRow(rows[0]) : null;
  }

  /** Locks the organization's keys first: two processes bootstrapping an empty organization create one key. */
  async countActiveAdminKeys(orgId: string, nowSeconds: number) {
    await this.lock(HASH_LOCK_NAMESPACES.orgKeys, orgId);
    const { rows } = await this.client.query<{ n: number }>({
      name: 'orgledger_tx_key_count',
      text: 'SELECT count(*) AS n FROM admin_keys WHERE org_id = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)',
      values: [orgId, nowSeconds],
    });
    return rows[0]?.n ?? 0;
  }

  async revokeAdminKey(orgId: string, id: string, at: number) {
    const result = await this.client.query({
      name: 'orgledger_tx_key_revoke',
      text: 'UPDATE admin_keys SET revoked_at = $1 WHERE org_id = $2 AND id = $3 AND revoked_at IS NULL',
      values: [at, orgId, id],
    });
    return result.rowCount === 1;
  }

  /** One statement for all touches, merged per key and sorted so concurrent writers lock rows in the same order. */
  async touchAdminKeys(touches: { orgId: string; id: string; at: number }[]) {
    if (touches.length === 0) return;
    const latest = new Map<string, { orgId: string; id: string; at: number }>();
    for (const t of touches) {
      const k = `${t.orgId}\u0000${t.id}`;
      const seen = latest.get(k);
      if (!seen || seen.at < t.at) latest.set(k, t);
    }
    const sorted = [...latest.values()].sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    await this.client.query({
      name: 'orgledger_tx_key_touch',
      text: `UPDATE admin_keys k SET last_used_at = t.at
             FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(org_id, id, at)
             WHERE k.org_id = t.org_id AND k.id = t.id AND (k.last_used_at IS NULL OR k.last_used_at < t.at)`,
      values: [sorted.map((t) => t.orgId), sorted.map((t) => t.id), sorted.map((t) => t.at)],
    });
  }

  /**
   * Takes the organization's row lock first (the one allocateAuditSeq takes anyway), so a writer in
   * another process that is inserting the same ids has committed before this read looks for them.
   */
  async findAuditEventHashes(orgId: string, ids: string[]) {
    const found = new Map<string, { contentHash: string; effectiveAt: number }>();
    if (ids.length === 0) return found;
    await this.client.query({ name: 'orgledger_tx_org_lock', text: 'SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', values: [orgId] });
    const { rows } = await this.client.query<{ id: string; content_hash: string; effective_at: number }>({
      name: 'orgledger_tx_event_hashes',
      text: 'SELECT id, content_hash, effective_at FROM audit_event_ids WHERE org_id = $1 AND id = ANY($2::text[])',
      values: [orgId, ids],
    });
    for (const row of rows) found.set(row.id, { contentHash: row.content_hash, effectiveAt: row.effective_at });
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
  }

  findUsageHashes(orgId: string, kind: string, ids: string[]) {
    return this.usage.findUsageHashes(orgId, kind, ids);
  }

  async insertUsage(batch: UsageInsert) {
    if (batch.records.length === 0) return [];
    const missing = await this.partitions.missing(
      this.client,
      batch.records.map((r) => r.createdAt),
    );
    if (missing.length > 0) throw new MissingPartitionsError(missing);
    return this.usage.insertUsage(batch);
  }

  noteUnpricedUsage(orgId: string, items: UnpricedUsage[]) {
    return this.usage.noteUnpriced(orgId, items);
  }

  findCostEntryHashes(orgId: string, ids: string[]) {
    return this.usage.findCostEntryHashes(orgId, ids);
  }

  insertCostEntries(orgId: string, entries: CostEntry[]) {
    return this.usage.insertCostEntries(orgId, entries);
  }
}
