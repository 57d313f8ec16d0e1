/**
 * Organizations and admin keys on PostgreSQL. Reads inside a write that decide whether to insert
 * (organization, bootstrap key) first take a transaction-level advisory lock, so processes starting
 * together see each other's rows instead of racing; each lock is its own statement so the read after
 * it takes a fresh snapshot (READ COMMITTED).
 */
import type pg from 'pg';
import type { AdminKeyPageQuery, KeyReads, KeyWrites } from '../../features/keys/store.js';
import type { AdminKeyRecord, Organization } from '../../features/keys/types.js';
import { HASH_LOCK_NAMESPACES } from './migrations.js';
import { type AdminKeyRow, keyFromRow, keyValues, type OrganizationRow, orgFromRow, type ReadRows } from './rows.js';

export class PgKeyReads implements KeyReads {
  constructor(private readonly rows: ReadRows) {}

  async getOrganization(id: string): Promise<Organization | null> {
    const [row] = await this.rows<OrganizationRow>('org_get', 'SELECT * FROM organizations WHERE id = $1', [id]);
    return row ? orgFromRow(row) : null;
  }

  async listOrganizations(): Promise<Organization[]> {
    return (await this.rows<OrganizationRow>('org_list', 'SELECT * FROM organizations ORDER BY created_at, id', [])).map(orgFromRow);
  }

  async findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null> {
    const [row] = await this.rows<AdminKeyRow>('key_by_hash', 'SELECT * FROM admin_keys WHERE secret_hash = $1', [secretHash]);
    return row ? keyFromRow(row) : null;
  }

  async getAdminKey(orgId: string, id: string): Promise<AdminKeyRecord | null> {
    const [row] = await this.rows<AdminKeyRow>('key_get', 'SELECT * FROM admin_keys WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [orgId, id]);
    return row ? keyFromRow(row) : null;
  }

  async listAdminKeys(q: AdminKeyPageQuery): Promise<AdminKeyRecord[]> {
    const cmp = q.order === 'asc' ? '>' : '<';
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const values: unknown[] = [q.orgId];
    let cursor = '';
    if (q.after) {
      values.push(q.after.createdAt, q.after.id);
      cursor = `AND (created_at, id) ${cmp} ($2::bigint, $3::text)`;
    }
    values.push(q.fetch);
    const text = `SELECT * FROM admin_keys WHERE org_id = $1 AND revoked_at IS NULL ${cursor} ORDER BY created_at ${dir}, id ${dir} LIMIT $${values.length}`;
    return (await this.rows<AdminKeyRow>(`key_list_${dir}_${q.after ? 'c' : 'n'}`, text, values)).map(keyFromRow);
  }
}

const lockStatement = (name: string) => ({ name: `orgledger_lock_${name}`, text: 'SELECT pg_advisory_xact_lock($1, hashtext($2))' });

export class PgKeyWrites implements KeyWrites {
  constructor(private readonly client: pg.PoolClient) {}

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
}
