/** Organizations and admin keys on SQLite: reads on the read-only connection, writes inside the group commit. */
import type Database from 'better-sqlite3';
import type { AdminKeyPageQuery, KeyReads, KeyWrites } from '../../features/keys/store.js';
import type { AdminKeyRecord, Organization } from '../../features/keys/types.js';
import { type AdminKeyRow, keyFromRow, keyToRow, type OrganizationRow, orgFromRow } from '../rows.js';

export class SqliteKeyReads implements KeyReads {
  constructor(private readonly read: (sql: string) => Database.Statement) {}

  async getOrganization(id: string): Promise<Organization | null> {
    const row = this.read('SELECT * FROM organizations WHERE id = ?').get(id) as OrganizationRow | undefined;
    return row ? orgFromRow(row) : null;
  }

  async listOrganizations(): Promise<Organization[]> {
    return (this.read('SELECT * FROM organizations ORDER BY created_at, id').all() as OrganizationRow[]).map(orgFromRow);
  }

  async findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null> {
    const row = this.read('SELECT * FROM admin_keys WHERE secret_hash = ?').get(secretHash) as AdminKeyRow | undefined;
    return row ? keyFromRow(row) : null;
  }

  async getAdminKey(orgId: string, id: string): Promise<AdminKeyRecord | null> {
    const row = this.read('SELECT * FROM admin_keys WHERE org_id = ? AND id = ? AND revoked_at IS NULL').get(orgId, id) as AdminKeyRow | undefined;
    return row ? keyFromRow(row) : null;
  }

  async listAdminKeys(q: AdminKeyPageQuery): Promise<AdminKeyRecord[]> {
    const cmp = q.order === 'asc' ? '>' : '<';
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const cursor = q.after ? `AND (created_at, id) ${cmp} (?, ?)` : '';
    const sql = `SELECT * FROM admin_keys WHERE org_id = ? AND revoked_at IS NULL ${cursor} ORDER BY created_at ${dir}, id ${dir} LIMIT ?`;
    const params: unknown[] = [q.orgId];
    if (q.after) params.push(q.after.createdAt, q.after.id);
    params.push(q.fetch);
    return (this.read(sql).all(...params) as AdminKeyRow[]).map(keyFromRow);
  }
}

export class SqliteKeyWrites implements KeyWrites {
  private readonly s;
  constructor(db: Database.Database) {
    this.s = {
      insertOrg: db.prepare('INSERT INTO organizations (id, name, created_at) VALUES (@id, @name, @created_at)'),
      getOrg: db.prepare('SELECT * FROM organizations WHERE id = ?'),
      insertKey: db.prepare(
        `INSERT INTO admin_keys (org_id, id, name, secret_hash, redacted_value, created_at, expires_at, last_used_at, revoked_at, scopes, owner)
         VALUES (@org_id, @id, @name, @secret_hash, @redacted_value, @created_at, @expires_at, @last_used_at, @revoked_at, @scopes, @owner)`,
      ),
      keyByHash: db.prepare('SELECT * FROM admin_keys WHERE secret_hash = ?'),
      countActive: db.prepare('SELECT count(*) AS n FROM admin_keys WHERE org_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)'),
      revokeKey: db.prepare('UPDATE admin_keys SET revoked_at = ? WHERE org_id = ? AND id = ? AND revoked_at IS NULL'),
      touchKey: db.prepare('UPDATE admin_keys SET last_used_at = ? WHERE org_id = ? AND id = ? AND (last_used_at IS NULL OR last_used_at < ?)'),
    };
  }

  async insertOrganization(org: Organization) {
    this.s.insertOrg.run({ id: org.id, name: org.name, created_at: org.createdAt });
  }
  async getOrganization(id: string) {
    const row = this.s.getOrg.get(id) as OrganizationRow | undefined;
    return row ? orgFromRow(row) : null;
  }
  async insertAdminKey(key: AdminKeyRecord) {
    this.s.insertKey.run(keyToRow(key));
  }
  async findAdminKeyByHash(secretHash: string) {
    const row = this.s.keyByHash.get(secretHash) as AdminKeyRow | undefined;
    return row ? keyFromRow(row) : null;
  }
  async countActiveAdminKeys(orgId: string, nowSeconds: number) {
    return (this.s.countActive.get(orgId, nowSeconds) as { n: number }).n;
  }
  async revokeAdminKey(orgId: string, id: string, at: number) {
    return this.s.revokeKey.run(at, orgId, id).changes === 1;
  }
  async touchAdminKeys(touches: { orgId: string; id: string; at: number }[]) {
    for (const t of touches) this.s.touchKey.run(t.at, t.orgId, t.id, t.at);
  }
}
