import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditListQuery, AuditPosition, StoredAuditEvent } from '../../features/audit-logs/types.js';
import type { AdminKeyRecord, Organization } from '../../features/keys/types.js';
import type { CostEntry, CostSegmentQuery, UnpricedUsage, UsageInsert, UsageSegmentQuery } from '../../features/usage/types.js';
import { GroupCommitter, type TransactionDriver } from '../group-commit.js';
import {
  type AdminKeyRow,
  AUDIT_EVENT_COLUMNS,
  type AuditEventRow,
  auditEventValues,
  eventFromRow,
  keyFromRow,
  keyToRow,
  type OrganizationRow,
  orgFromRow,
} from '../rows.js';
import type { AdminKeyPageQuery, Store, WriteTx } from '../store.js';
import { auditListSql } from './audit-list-sql.js';
import { sqliteMigrations } from './migrations.js';
import { UsageReader, UsageWriter } from './usage-store.js';

export interface SqliteOptions {
  path: string;
  /** FULL fsyncs every group commit (survives power loss); NORMAL survives process crashes only. */
  synchronous: 'FULL' | 'NORMAL';
  maxJobsPerBatch: number;
  autoMigrate: boolean;
  /** PRAGMA quick_check at open (default true); off for very large stores where it takes too long. */
  quickCheck?: boolean;
}

type DB = Database.Database;

/** A connection with the pragmas every orgledger connection uses (the benchmark's raw baseline too). */
export function openConnection(path: string, readonly: boolean): DB {
  const db = new Database(path, { readonly, fileMustExist: readonly });
  db.pragma('busy_timeout = 10000');
  // SQLite's default page cache is 2 MB: with eight b-trees taking random inserts, nearly every page
  // touched became a read syscall (bench: two thirds of insert CPU was system time). Memory-map the
  // file for reads and keep a large cache of parsed pages.
  db.pragma(`cache_size = -${readonly ? 65536 : 262144}`);
  db.pragma('mmap_size = 1073741824');
  db.pragma('temp_store = MEMORY');
  return db;
}

/**
 * Refuses a SQLite file that is not an orgledger store: tables but no schema_migrations (another
 * program's database), or schema versions this orgledger does not know (a newer orgledger's, or
 * not ours). Adopting either would write our schema into someone else's data.
 */
export function assertOrgledgerDatabase(db: DB): void {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
  if (tables.length === 0) return;
  if (!tables.some((t) => t.name === 'schema_migrations'))
    throw new Error(
      `${db.name} is a SQLite database but not an orgledger store (tables ${tables.map((t) => t.name).join(', ')}, no schema_migrations); refusing to use it`,
    );
  const known = new Set(sqliteMigrations.map((m) => m.version));
  const unknown = (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[])
    .map((r) => r.version)
    .filter((v) => !known.has(v));
  if (unknown.length > 0)
    throw new Error(
      `${db.name} has schema versions this orgledger does not know (${unknown.join(', ')}): written by a newer orgledger or another program; refusing to use it`,
    );
}

/** A damaged file is refused at start rather than served half-readable (reads partial, writes failing). */
function assertIntact(db: DB): void {
  let problems: string[];
  try {
    problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
  } catch (err) {
    problems = [(err as Error).message];
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  throw new Error(
    `the store at ${db.name} is damaged (quick_check: ${problems.join('; ')}); restore it from a backup (ORGLEDGER_SQLITE_QUICK_CHECK=false skips this check)`,
  );
}

export function migrateSqlite(db: DB): number {
  assertOrgledgerDatabase(db);
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  let applied = 0;
  // BEGIN IMMEDIATE takes the write lock first, so processes starting together migrate one at a time.
  const apply = db.transaction(() => {
    const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
    for (const m of sqliteMigrations) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Math.floor(Date.now() / 1000));
      applied++;
    }
  });
  apply.immediate();
  return applied;
}

export function pendingSqliteMigrations(db: DB): number {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!exists) return sqliteMigrations.length;
  const done = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  return sqliteMigrations.filter((m) => !done.has(m.version)).length;
}

/**
 * The store holds secrets' hashes and the organization's audit trail: owner-only. A missing file is
 * created 0600 before SQLite opens it (SQLite gives its -wal and -shm the main file's mode); an
 * existing one, and its -wal/-shm, are tightened to 0600.
 */
function restrictFileModes(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
}

function openBoth(options: SqliteOptions): { writer: DB; reader: DB } {
  const writer = openConnection(options.path, false);
  try {
    if (options.quickCheck !== false) assertIntact(writer);
    writer.pragma('journal_mode = WAL');
    writer.pragma(`synchronous = ${options.synchronous}`);
    writer.pragma('foreign_keys = ON');
    assertOrgledgerDatabase(writer);
    if (options.autoMigrate) migrateSqlite(writer);
    else if (pendingSqliteMigrations(writer) > 0) {
      throw new Error(`the store at ${options.path} needs migrations; run \`orgledger migrate\` or start without --no-auto-migrate`);
    }
    return { writer, reader: openConnection(options.path, true) };
  } catch (err) {
    writer.close();
    throw err;
  }
}

/**
 * Opening a fresh file from several processes at once can meet SQLITE_BUSY where SQLite does not
 * call its busy handler (switching to WAL, WAL recovery). Start-up retries the whole open for a while
 * instead of failing one of the processes (CI saw "database is locked" with two `serve` at once).
 */
function whileBusy<T>(fn: () => T, timeoutMs = 30_000): T {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 20 + Math.floor(Math.random() * 80));
    }
  }
}

/** Inserts stored events and their actor ids; the caller owns the transaction. */
export function auditEventInserter(db: DB): (events: StoredAuditEvent[]) => void {
  const insertEvent = db.prepare(`INSERT INTO audit_events (${AUDIT_EVENT_COLUMNS.join(', ')}) VALUES (${AUDIT_EVENT_COLUMNS.map(() => '?').join(', ')})`);
  const insertActor = db.prepare('INSERT OR IGNORE INTO audit_event_actors (org_id, actor_id, effective_at, seq) VALUES (?, ?, ?, ?)');
  return (events) => {
    for (const e of events) {
      insertEvent.run(auditEventValues(e, e.tenant ? 1 : 0));
      for (const actorId of e.actorIds) insertActor.run(e.orgId, actorId, e.effectiveAt, e.seq);
    }
  };
}

export class SqliteStore implements Store {
  readonly engine = 'sqlite' as const;
  private readonly writer: DB;
  private readonly reader: DB;
  private readonly committer: GroupCommitter<SqliteWriteTx>;
  private readonly stmtCache = new Map<string, Database.Statement>();
  private readonly usageReader = new UsageReader((sql) => this.read(sql));

  constructor(readonly options: SqliteOptions) {
    // A data directory orgledger creates is the owner's only; an existing one is left as the operator made it.
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    restrictFileModes(options.path);
    const { writer, reader } = whileBusy(() => openBoth(options));
    this.writer = writer;
    this.reader = reader;
    this.committer = new GroupCommitter(new SqliteDriver(this.writer), options.maxJobsPerBatch);
  }

  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.committer.run(work);
  }

  pendingWrites(): number {
    return this.committer.pending();
  }

  get commitStats() {
    return this.committer.stats;
  }

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

  async findAuditPosition(orgId: string, id: string): Promise<AuditPosition | null> {
    const row = this.read('SELECT effective_at, seq FROM audit_events WHERE org_id = ? AND id = ?').get(orgId, id) as
      | { effective_at: number; seq: number }
      | undefined;
    return row ? { effectiveAt: row.effective_at, seq: row.seq } : null;
  }

  async listAuditEvents(query: AuditListQuery): Promise<StoredAuditEvent[]> {
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

  async queryUsage(query: UsageSegmentQuery) {
    return this.usageReader.usage(query);
  }
  async queryCosts(query: CostSegmentQuery) {
    return this.usageReader.costs(query);
  }
  async listUnpricedUsage(orgId: string) {
    return this.usageReader.unpriced(orgId);
  }

  private closing: Promise<void> | undefined;

  /** Idempotent: shutdown paths (signal handler, readiness tests, app hooks) may all ask. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.committer.close();
      this.reader.close();
      this.writer.close();
    })();
    return this.closing;
  }

  /** Reader statements are cached by text; list queries have a bounded number of shapes. */
  private read(sql: string): Database.Statement {
    let stmt = this.stmtCache.get(sql);
    if (!stmt) {
      stmt = this.reader.prepare(sql);
      this.stmtCache.set(sql, stmt);
    }
    return stmt;
  }
}

class SqliteDriver implements TransactionDriver<SqliteWriteTx> {
  private readonly tx: SqliteWriteTx;
  constructor(private readonly db: DB) {
    this.tx = new SqliteWriteTx(db);
  }
  async begin() {
    this.db.exec('BEGIN IMMEDIATE');
    return this.tx;
  }
  async savepoint() {
    this.db.exec('SAVEPOINT job');
  }
  async release() {
    this.db.exec('RELEASE job');
  }
  async rollbackToSavepoint() {
    this.db.exec('ROLLBACK TO job');
    this.db.exec('RELEASE job');
  }
  async commit() {
    this.db.exec('COMMIT');
  }
  async rollback() {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }
}

class SqliteWriteTx implements WriteTx {
  private readonly s;
  private readonly usage: UsageWriter;
  constructor(db: DB) {
    this.usage = new UsageWriter(db);
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
      eventHashes: db.prepare('SELECT id, content_hash, effective_at FROM audit_events WHERE org_id = ? AND id IN (SELECT value FROM json_each(?))'),
      allocSeq: db.prepare('UPDATE organizations SET audit_seq = audit_seq + ? WHERE id = ? RETURNING audit_seq'),
      insertEvents: auditEventInserter(db),
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
  async findAuditEventHashes(orgId: string, ids: string[]) {
    const found = new Map<string, { contentHash: string; effectiveAt: number }>();
    if (ids.length === 0) return found;
    for (const row of this.s.eventHashes.all(orgId, JSON.stringify(ids)) as { id: string; content_hash: string; effective_at: number }[]) {
      found.set(row.id, { contentHash: row.content_hash, effectiveAt: row.effective_at });
    }
    return found;
  }
  async findUsageHashes(orgId: string, kind: string, ids: string[]) {
    return this.usage.findUsageHashes(orgId, kind, ids);
  }
  async insertUsage(batch: UsageInsert) {
    return this.usage.insertUsage(batch);
  }
  async noteUnpricedUsage(orgId: string, items: UnpricedUsage[]) {
    this.usage.noteUnpriced(orgId, items);
  }
  async findCostEntryHashes(orgId: string, ids: string[]) {
    return this.usage.findCostEntryHashes(orgId, ids);
  }
  async insertCostEntries(orgId: string, entries: CostEntry[]) {
    return this.usage.insertCostEntries(orgId, entries);
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
