/**
 * The PostgreSQL side of `orgledger copy` (see ../copy.ts). A page is written by one statement (one
 * array per column through unnest) in its own transaction; audit events and usage records also get
 * their rows in the unpartitioned id tables (audit_event_ids, usage_record_ids), which are the
 * idempotency keys: a row whose id is already there is skipped. Months without a partition are created
 * before the page's transaction, as the write path does. The destination session writes with
 * synchronous_commit off (a crash may lose the last pages, which a rerun copies again); finish() ends
 * with a synchronous commit, which makes everything before it durable. A source is never migrated or
 * given partitions.
 */
import type pg from 'pg';
import type { CopyEndpoint, CopyEntity, CopyRow, Digest } from '../copy.js';
import { keyOf } from '../copy.js';
import { createPool, describeUrl, waitForDatabase } from './connection.js';
import { migratePostgres, pendingPostgresMigrations, postgresMigrations } from './migrations.js';
import { PartitionManager } from './partitions.js';

/** Side tables written with an entity, and the column its partition month follows. */
const SIDE: Record<string, { idTable: string; idColumns: string[]; join: string[] }> = {
  audit_events: { idTable: 'audit_event_ids', idColumns: ['org_id', 'id', 'effective_at', 'seq', 'content_hash'], join: ['org_id', 'id'] },
  usage_records: { idTable: 'usage_record_ids', idColumns: ['org_id', 'kind', 'id', 'created_at', 'content_hash'], join: ['org_id', 'kind', 'id'] },
};
const PARTITION_TIME: Record<string, string> = { audit_events: 'effective_at', audit_event_actors: 'effective_at', usage_records: 'created_at' };

const tuple = (cols: readonly string[]) => `(${cols.join(', ')})`;

export interface PgEndpointOptions {
  url: string;
  connectWaitSeconds: number;
  log: (line: string) => void;
}

export class PgCopyEndpoint implements CopyEndpoint {
  readonly engine = 'postgres' as const;
  readonly where: string;
  /** Column types of each table, read from the catalog. */
  private readonly types = new Map<string, Map<string, string>>();
  private readonly partitions: PartitionManager;

  private constructor(
    private readonly pool: pg.Pool,
    url: string,
  ) {
    this.where = describeUrl(url);
    this.partitions = new PartitionManager(pool);
  }

  /**
   * A read on a pooled connection where the planner may not sort. Pages must walk the key index
   * (a Merge Append across partitions): the planner estimates a row comparison at one row per
   * partition and would otherwise sort whole partitions for every page.
   */
  private async read<R>(query: { text: string; values?: unknown[]; rowMode?: 'array' }): Promise<R[]> {
    const client = await this.pool.connect();
    try {
      if (!this.unsorted.has(client)) {
        await client.query('SET enable_sort = off');
        this.unsorted.add(client);
      }
      return (await client.query(query as pg.QueryConfig)).rows as R[];
    } finally {
      client.release();
    }
  }
  private readonly unsorted = new WeakSet<pg.PoolClient>();

  /** The source: its schema must be there and current (nothing is created); the problem as a string otherwise. */
  static async openSource(o: PgEndpointOptions): Promise<PgCopyEndpoint | string> {
    const pool = createPool({ url: o.url, poolSize: 3 });
    try {
      await waitForDatabase(pool, o.url, o.connectWaitSeconds, o.log);
      const pending = await pendingPostgresMigrations(pool);
      const where = describeUrl(o.url);
      if (pending === postgresMigrations.length) {
        await pool.end();
        return `there is no orgledger store at ${where}`;
      }
      if (pending > 0) {
        await pool.end();
        return `the store at ${where} needs migrations; run \`orgledger migrate\` on it first`;
      }
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PgCopyEndpoint(pool, o.url);
  }

  /** The destination: migrated when needed. */
  static async openDestination(o: PgEndpointOptions): Promise<PgCopyEndpoint> {
    const pool = createPool({ url: o.url, poolSize: 3 });
    try {
      await waitForDatabase(pool, o.url, o.connectWaitSeconds, o.log);
      await migratePostgres(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PgCopyEndpoint(pool, o.url);
  }

  private async typesOf(table: string): Promise<Map<string, string>> {
    let found = this.types.get(table);
    if (!found) {
      const { rows } = await this.pool.query<{ name: string; type: string }>(
        'SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped',
        [table],
      );
      found = new Map(rows.map((r) => [r.name, r.type]));
      this.types.set(table, found);
    }
    return found;
  }

  /** `(k1, k2) > ($1::t1, $2::t2)` and its values. */
  private async keyBound(e: CopyEntity, op: string, row: CopyRow, first: number): Promise<{ sql: string; values: unknown[] }> {
    const types = await this.typesOf(e.table);
    const params = e.key.map((k, i) => `$${first + i}::${types.get(k)}`);
    return { sql: `${tuple(e.key)} ${op} (${params.join(', ')})`, values: keyOf(e, row) };
  }

  async readPage(e: CopyEntity, after: CopyRow | null, limit: number, inclusive = false): Promise<CopyRow[]> {
    const bound = after ? await this.keyBound(e, inclusive ? '>=' : '>', after, 1) : { sql: 'true', values: [] };
    const text = `SELECT ${e.columns.join(', ')} FROM ${e.table} WHERE ${bound.sql} ORDER BY ${e.key.join(', ')} LIMIT $${bound.values.length + 1}`;
    return this.read<unknown[]>({ text, values: [...bound.values, limit], rowMode: 'array' });
  }

  async lastRow(e: CopyEntity): Promise<CopyRow | null> {
    const text = `SELECT ${e.columns.join(', ')} FROM ${e.table} ORDER BY ${e.key.map((k) => `${k} DESC`).join(', ')} LIMIT 1`;
    const [row] = await this.read<unknown[]>({ text, rowMode: 'array' });
    return row ?? null;
  }

  async digest(e: CopyEntity, upTo: CopyRow | null): Promise<Map<string, Digest>> {
    const sum = e.sum.map((c) => `coalesce(${c}, 0)::numeric`).join(' + ');
    const bound = upTo ? await this.keyBound(e, '<=', upTo, 1) : { sql: 'true', values: [] };
    const text = `SELECT ${e.org} AS org, count(*)::bigint AS n, coalesce(sum(${sum}), 0)::text AS s FROM ${e.table} WHERE ${bound.sql} GROUP BY ${e.org}`;
    const rows = await this.read<{ org: string; n: number; s: string }>({ text, values: bound.values });
    return new Map(rows.map((r) => [r.org, { rows: Number(r.n), sum: r.s }]));
  }

  async writePage(e: CopyEntity, rows: CopyRow[]): Promise<void> {
    if (rows.length === 0) return;
    const types = await this.typesOf(e.table);
    const timeColumn = PARTITION_TIME[e.table];
    if (timeColumn) await this.ensurePartitions(rows.map((r) => r[e.columns.indexOf(timeColumn)] as number));
    const unnest = `SELECT * FROM unnest(${e.columns.map((c, i) => `$${i + 1}::${types.get(c)}[]`).join(', ')}) AS t${tuple(e.columns)}`;
    const columnsOf = (page: CopyRow[]) => e.columns.map((_, i) => page.map((r) => r[i]));
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL synchronous_commit = off');
      const side = SIDE[e.table];
      let page = rows;
      if (side) {
        // Only rows whose id is new in the id table go into the table itself. Two statements rather
        // than a join of the two: the planner cannot estimate unnest() and joined them row by row.
        const { rows: fresh } = await client.query<unknown[]>({
          text: `INSERT INTO ${side.idTable} ${tuple(side.idColumns)} SELECT ${side.idColumns.join(', ')} FROM (${unnest}) r
                 ON CONFLICT DO NOTHING RETURNING ${side.join.join(', ')}`,
          values: columnsOf(rows),
          rowMode: 'array',
        });
        if (fresh.length < rows.length) {
          const at = side.join.map((c) => e.columns.indexOf(c));
          const isNew = new Set(fresh.map((k) => JSON.stringify(k)));
          page = rows.filter((r) => isNew.has(JSON.stringify(at.map((i) => r[i]))));
        }
      }
      if (page.length > 0) await client.query({ text: `INSERT INTO ${e.table} ${tuple(e.columns)} ${unnest} ${this.conflict(e)}`, values: columnsOf(page) });
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private conflict(e: CopyEntity): string {
    const update = e.columns.filter((c) => !e.key.includes(c)).map((c) => `${c} = excluded.${c}`);
    return e.mode === 'overwrite' && update.length > 0 ? `ON CONFLICT ${tuple(e.key)} DO UPDATE SET ${update.join(', ')}` : 'ON CONFLICT DO NOTHING';
  }

  private async ensurePartitions(times: number[]): Promise<void> {
    const client = await this.pool.connect();
    let missing: number[];
    try {
      missing = await this.partitions.missing(client, times);
    } finally {
      client.release();
    }
    if (missing.length > 0) await this.partitions.create(missing);
  }

  async finish(): Promise<void> {
    // A synchronous commit flushes the WAL up to it, and with it every asynchronous commit before;
    // txid_current() gives the transaction an id, so its commit is a WAL record to wait for.
    await this.pool.query('SELECT txid_current()');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
