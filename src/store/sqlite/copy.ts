/**
 * The SQLite side of `orgledger copy` (see ../copy.ts): pages of a table in primary-key order, and
 * page writes in one transaction each. A destination is written with synchronous = NORMAL (a crash may
 * lose the last pages, never corrupt; the copy is resumable) and checkpointed with a full sync at the
 * end. A source is opened read-only and never created.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { CopyEndpoint, CopyEntity, CopyRow, Digest } from '../copy.js';
import { keyOf } from '../copy.js';
import { migrateSqlite, openConnection, pendingSqliteMigrations } from './sqlite-store.js';

type DB = Database.Database;

const tuple = (cols: readonly string[]) => `(${cols.join(', ')})`;
const marks = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;

/** Why a file cannot be a copy source, or null when it is an orgledger store with a current schema. */
function sourceProblem(path: string): string | null {
  if (!existsSync(path)) return `there is no orgledger store at ${path}`;
  let db: DB | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const pending = pendingSqliteMigrations(db);
    const hasSchema = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
    if (!hasSchema) return `${path} is not an orgledger store`;
    if (pending > 0) return `the store at ${path} needs migrations; run \`orgledger migrate --database-url ${path}\` first`;
    return null;
  } catch (err) {
    return `${path} is not an orgledger store (${(err as Error).message})`;
  } finally {
    db?.close();
  }
}

export class SqliteCopyEndpoint implements CopyEndpoint {
  readonly engine = 'sqlite' as const;
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(
    private readonly db: DB,
    readonly where: string,
  ) {}

  /** The source: must exist and be current; opened read-only. Returns the problem as a string otherwise. */
  static openSource(path: string): SqliteCopyEndpoint | string {
    const problem = sourceProblem(path);
    if (problem) return problem;
    return new SqliteCopyEndpoint(openConnection(path, true), path);
  }

  /** The destination: created and migrated when needed. */
  static openDestination(path: string): SqliteCopyEndpoint {
    const db = openConnection(path, false);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      migrateSqlite(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteCopyEndpoint(db, path);
  }

  private prepare(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private fromDb(e: CopyEntity, row: unknown[]): CopyRow {
    for (const b of e.booleans) {
      const i = e.columns.indexOf(b);
      row[i] = row[i] === 1;
    }
    return row;
  }

  private toDb(row: CopyRow): unknown[] {
    return row.map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v));
  }

  async readPage(e: CopyEntity, after: CopyRow | null, limit: number, inclusive = false): Promise<CopyRow[]> {
    const where = after ? `WHERE ${tuple(e.key)} ${inclusive ? '>=' : '>'} ${marks(e.key.length)}` : '';
    const sql = `SELECT ${e.columns.join(', ')} FROM ${e.table} ${where} ORDER BY ${e.key.join(', ')} LIMIT ?`;
    const params = after ? [...this.toDb(keyOf(e, after)), limit] : [limit];
    return (
      this.prepare(sql)
        .raw(true)
        .all(...params) as unknown[][]
    ).map((r) => this.fromDb(e, r));
  }

  async lastRow(e: CopyEntity): Promise<CopyRow | null> {
    const sql = `SELECT ${e.columns.join(', ')} FROM ${e.table} ORDER BY ${e.key.map((k) => `${k} DESC`).join(', ')} LIMIT 1`;
    const row = this.prepare(sql).raw(true).get() as unknown[] | undefined;
    return row ? this.fromDb(e, row) : null;
  }

  async digest(e: CopyEntity, upTo: CopyRow | null): Promise<Map<string, Digest>> {
    const sum = e.sum.map((c) => `coalesce(${c}, 0)`).join(' + ');
    const where = upTo ? `WHERE ${tuple(e.key)} <= ${marks(e.key.length)}` : '';
    const sql = `SELECT ${e.org} AS org, count(*) AS n, sum(${sum}) AS s FROM ${e.table} ${where} GROUP BY ${e.org}`;
    // Safe integers: sums of nano-USD amounts may pass 2^53.
    const rows = this.prepare(sql)
      .safeIntegers(true)
      .all(...(upTo ? this.toDb(keyOf(e, upTo)) : [])) as { org: string; n: bigint; s: bigint | null }[];
    return new Map(rows.map((r) => [r.org, { rows: Number(r.n), sum: String(r.s ?? 0n) }]));
  }

  async writePage(e: CopyEntity, rows: CopyRow[]): Promise<void> {
    const update = e.columns.filter((c) => !e.key.includes(c)).map((c) => `${c} = excluded.${c}`);
    const conflict = e.mode === 'overwrite' && update.length > 0 ? `ON CONFLICT ${tuple(e.key)} DO UPDATE SET ${update.join(', ')}` : 'ON CONFLICT DO NOTHING';
    const insert = this.prepare(`INSERT INTO ${e.table} ${tuple(e.columns)} VALUES ${marks(e.columns.length)} ${conflict}`);
    this.db
      .transaction(() => {
        for (const row of rows) insert.run(...this.toDb(row));
      })
      .immediate();
  }

  async finish(): Promise<void> {
    this.db.pragma('synchronous = FULL');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
