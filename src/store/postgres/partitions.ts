/**
 * Monthly partitions of audit_events and audit_event_actors (range on effective_at) and of
 * usage_records (range on created_at); Unix seconds, UTC.
 *
 * Creating a partition takes an ACCESS EXCLUSIVE lock on the parent, so it never happens inside a
 * group-commit transaction (that could deadlock with another process's batch). Instead the engine
 * creates the coming months at start-up and daily, and a write that meets a month without its
 * partition fails its own savepoint with MissingPartitionsError; the store then creates the months in
 * a short transaction of its own and runs the write again. Months far from now (more than
 * PAST_MONTHS back or AHEAD_MONTHS ahead) stay in the default partition instead of multiplying tables.
 */
import type pg from 'pg';
import { LOCK_NAMESPACE, LOCKS } from './migrations.js';

export const PARTITIONED_TABLES = ['audit_events', 'audit_event_actors', 'usage_records'] as const;
const PAST_MONTHS = 120;
const AHEAD_MONTHS = 12;
/** Created at start-up and daily: this month and the next ones, so the write path rarely waits. */
const CREATE_AHEAD = 3;

export class MissingPartitionsError extends Error {
  override name = 'MissingPartitionsError';
  constructor(readonly months: number[]) {
    super(`partitions missing for months starting ${months.join(', ')}`);
  }
}

/** Index of a UTC month counted from 1970-01 (0), and back. */
export const monthIndexOf = (seconds: number): number => {
  const d = new Date(seconds * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth() - 1970 * 12;
};
const monthStartSeconds = (index: number): number => Date.UTC(1970, index, 1) / 1000;

export function partitionName(table: string, monthIndex: number): string {
  const year = 1970 + Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  return `${table}_y${year}m${String(month).padStart(2, '0')}`;
}

export class PartitionManager {
  /** Months known to have their own partition ('own') or to live in the default one ('default'). */
  private readonly known = new Map<number, 'own' | 'default'>();

  constructor(private readonly pool: pg.Pool) {}

  /** The months of these times that still need a partition created; checks the catalog on a cache miss. */
  async missing(client: pg.PoolClient, times: Iterable<number>): Promise<number[]> {
    const unknown = new Set<number>();
    for (const t of times) {
      const m = monthIndexOf(t);
      if (!this.known.has(m)) unknown.add(m);
    }
    if (unknown.size === 0) return [];
    const months = [...unknown];
    const { rows } = await client.query<{ present: boolean }>({
      name: 'orgledger_partition_present',
      text: `SELECT to_regclass(a) IS NOT NULL AND to_regclass(u) IS NOT NULL AS present
             FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(a, u, i) ORDER BY i`,
      values: [months.map((m) => partitionName('audit_events', m)), months.map((m) => partitionName('usage_records', m))],
    });
    const now = monthIndexOf(Date.now() / 1000);
    const missing: number[] = [];
    months.forEach((m, i) => {
      if (rows[i]?.present) this.known.set(m, 'own');
      else if (m < now - PAST_MONTHS || m > now + AHEAD_MONTHS) this.known.set(m, 'default');
      else missing.push(m);
    });
    return missing;
  }

  /** Creates the months' partitions, one short transaction each, serialized across processes. */
  async create(months: number[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      for (const m of months) {
        await client.query('BEGIN');
        try {
          await client.query("SET LOCAL lock_timeout = '30s'");
          await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NAMESPACE, LOCKS.partitions]);
          const from = monthStartSeconds(m);
          const to = monthStartSeconds(m + 1);
          // Each table on its own: a month whose rows already sit in one table's default partition
          // (23514) keeps them there, without stopping the other tables' partitions.
          let own = true;
          for (const table of PARTITIONED_TABLES) {
            await client.query('SAVEPOINT partition');
            try {
              await client.query(`CREATE TABLE IF NOT EXISTS ${partitionName(table, m)} PARTITION OF ${table} FOR VALUES FROM (${from}) TO (${to})`);
              await client.query('RELEASE SAVEPOINT partition');
            } catch (err) {
              if ((err as { code?: string }).code !== '23514') throw err;
              await client.query('ROLLBACK TO SAVEPOINT partition');
              own = false;
            }
          }
          await client.query('COMMIT');
          this.known.set(m, own ? 'own' : 'default');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }
    } finally {
      client.release();
    }
  }

  /** This month and the next few: run at start-up and daily. */
  async createAhead(): Promise<void> {
    const now = monthIndexOf(Date.now() / 1000);
    const months = Array.from({ length: CREATE_AHEAD }, (_, i) => now + i).filter((m) => this.known.get(m) !== 'own');
    if (months.length > 0) await this.create(months);
  }
}
