import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditReads } from '../../features/audit-logs/store.js';
import type { CostReads } from '../../features/costs/store.js';
import type { UsageReads } from '../../features/usage/store.js';
import { CommittingStore } from '../committing-store.js';
import { GroupCommitter, type TransactionDriver } from '../group-commit.js';
import { pagesOver } from '../page-reads.js';
import type { Store, WriteTx } from '../store.js';
import { SqliteAuditReads, SqliteAuditWrites } from './audit-store.js';
import { SqliteKeyReads, SqliteKeyWrites } from './key-store.js';
import { SqliteLedgerReads, SqliteLedgerWrites } from './ledger-store.js';
import { SqliteLiveTailReads } from './live-tail-store.js';
import { SqliteLogStreamReads, SqliteLogStreamWrites } from './log-stream-store.js';
import { sqliteMigrations } from './migrations.js';
import { ReaderPool } from './reader-pool.js';
import type { ReadPart } from './reader-worker.js';
import { SqliteSyncReads, SqliteSyncWrites } from './sync-store.js';
import { UsageReader, UsageWriter } from './usage-store.js';

export interface SqliteOptions {
  path: string;
  /** FULL fsyncs every group commit (survives power loss); NORMAL survives process crashes only. */
  synchronous: 'FULL' | 'NORMAL';
  maxJobsPerBatch: number;
  autoMigrate: boolean;
  /** PRAGMA quick_check at open (default true); off for very large stores where it takes too long. */
  quickCheck?: boolean;
  /**
   * Reader worker threads for the heavy reads (usage, costs, audit lists); 0 runs them on the main
   * thread (an in-memory store always does). Default 2.
   */
  readers?: number;
  /** Time budget of one heavy read on a worker, in ms (ORGLEDGER_READ_TIMEOUT_MS); 0 or unset: none. */
  readTimeoutMs?: number;
  /** Tests: the module the reader workers run instead of reader-worker.ts, and its workerData. */
  readerModule?: { url: URL; data?: Record<string, unknown> };
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
      m.run?.(db);
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

export class SqliteStore extends CommittingStore<SqliteWriteTx> implements Store {
  readonly engine = 'sqlite' as const;
  private readonly writer: DB;
  private readonly reader: DB;
  protected readonly committer: GroupCommitter<SqliteWriteTx>;
  private readonly stmtCache = new Map<string, Database.Statement>();
  /** The reader workers of the heavy reads; none for an in-memory store or readers: 0. */
  readonly readerPool: ReaderPool | undefined;
  readonly keys = new SqliteKeyReads((sql) => this.read(sql));
  readonly audit: AuditReads;
  readonly liveTail = new SqliteLiveTailReads((sql) => this.read(sql));
  /** Usage and costs read the same rollups: one reader answers both parts. */
  readonly usage: UsageReads & CostReads;
  readonly costs: CostReads;
  readonly logStreams = new SqliteLogStreamReads((sql) => this.read(sql));
  readonly ledger = new SqliteLedgerReads((sql) => this.read(sql));
  readonly sync = new SqliteSyncReads((sql) => this.read(sql));

  constructor(readonly options: SqliteOptions) {
    super();
    // A data directory orgledger creates is the owner's only; an existing one is left as the operator made it.
    mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    restrictFileModes(options.path);
    const { writer, reader } = whileBusy(() => openBoth(options));
    this.writer = writer;
    this.reader = reader;
    this.committer = new GroupCommitter(new SqliteDriver(this.writer), options.maxJobsPerBatch);
    const audit = new SqliteAuditReads((sql) => this.read(sql));
    // Pages (usagePage, costsPage) are built where the rows are read: on a worker when there are workers.
    const usageReader = new UsageReader((sql) => this.read(sql));
    const usage = Object.assign(usageReader, pagesOver(usageReader));
    const readers = options.readers ?? 2;
    if (readers > 0 && options.path !== ':memory:' && !options.path.startsWith('file::memory:')) {
      const pool = new ReaderPool({
        path: options.path,
        size: readers,
        budgetMs: options.readTimeoutMs ?? 0,
        module: options.readerModule?.url,
        data: options.readerModule?.data,
      });
      this.readerPool = pool;
      // Only the reads whose cost grows with the data leave the main thread; lookups (and any read not
      // named here) stay on its connection.
      this.audit = pooled(audit, pool, 'audit', ['listAuditEvents']);
      this.usage = pooled(usage, pool, 'usage', ['queryUsage', 'queryCosts', 'usagePage', 'costsPage']);
    } else {
      this.audit = audit;
      this.usage = usage;
    }
    this.costs = this.usage;
  }

  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    return this.committer.run(work);
  }

  protected async shutdown(): Promise<void> {
    await this.readerPool?.close();
    await this.committer.close();
    this.reader.close();
    this.writer.close();
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

/** `local` with the named methods answered by the reader pool (the worker runs the same class). */
function pooled<T extends object>(local: T, pool: ReaderPool, part: ReadPart, methods: readonly (keyof T & string)[]): T {
  const remote = new Set<string>(methods);
  return new Proxy(local, {
    get(target, prop) {
      if (typeof prop === 'string' && remote.has(prop)) return (...args: unknown[]) => pool.run(part, prop, args);
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Transaction control through prepared statements: exec() would parse the SQL again on every call. */
class SqliteDriver implements TransactionDriver<SqliteWriteTx> {
  private readonly tx: SqliteWriteTx;
  private readonly s;
  constructor(private readonly db: DB) {
    this.tx = new SqliteWriteTx(db);
    this.s = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      savepoint: db.prepare('SAVEPOINT job'),
      release: db.prepare('RELEASE job'),
      rollbackTo: db.prepare('ROLLBACK TO job'),
      commit: db.prepare('COMMIT'),
    };
  }
  async begin() {
    this.s.begin.run();
    return this.tx;
  }
  async savepoint() {
    this.s.savepoint.run();
  }
  async release() {
    this.s.release.run();
  }
  async rollbackToSavepoint() {
    this.s.rollbackTo.run();
    this.s.release.run();
  }
  async commit() {
    this.s.commit.run();
  }
  async rollback() {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }
}

class SqliteWriteTx implements WriteTx {
  readonly keys: SqliteKeyWrites;
  readonly audit: SqliteAuditWrites;
  readonly usage: UsageWriter;
  /** Cost entries feed the same cost rollups as usage: one writer serves both parts. */
  readonly costs: UsageWriter;
  readonly logStreams: SqliteLogStreamWrites;
  readonly ledger: SqliteLedgerWrites;
  readonly sync: SqliteSyncWrites;
  constructor(db: DB) {
    this.keys = new SqliteKeyWrites(db);
    this.audit = new SqliteAuditWrites(db);
    this.usage = new UsageWriter(db);
    this.costs = this.usage;
    this.logStreams = new SqliteLogStreamWrites(db);
    this.ledger = new SqliteLedgerWrites(db);
    this.sync = new SqliteSyncWrites(db);
  }
}
