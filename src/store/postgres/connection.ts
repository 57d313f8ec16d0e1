/**
 * The PostgreSQL pool and what its errors mean: a database that is not answering (wait at start-up,
 * 503 while running) versus one that refuses us (wrong password, no such database: fail at once).
 */
import pg from 'pg';
import { ConfigError } from '../../config/config.js';
import { ReadTimeoutError } from '../read-timeout.js';

export interface PoolOptions {
  url: string;
  poolSize: number;
}

/** int8 (bigint) columns hold Unix seconds, sequence numbers and counts: all far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function createPool({ url, poolSize }: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types,
    application_name: 'orgledger',
    keepAlive: true,
    // A request waits at most this long for a connection before it is answered 503.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection that dies (database restart) is dropped from the pool; without a listener it would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** host:port/database of a URL, never its password. */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down, in recovery)
  '53300', // too_many_connections
]);
const CONNECTION_MESSAGES = /connection terminated|connection error|timeout exceeded when trying to connect|not queryable|client was closed|socket/i;

const codeOf = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The database is not reachable (down, restarting, network): worth waiting for, and a 503 meanwhile. */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code !== undefined && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code)) return false;
  return err instanceof Error && CONNECTION_MESSAGES.test(err.message);
}

/** The database answered and refused us: waiting will not help. */
function isRefusal(err: unknown): boolean {
  const code = codeOf(err);
  return code === '28P01' || code === '28000' || code === '3D000' || code === '42501';
}

/** A transient conflict between concurrent writers: the write can run again from the start. */
export function isRetryableWriteError(err: unknown): boolean {
  const code = codeOf(err);
  if (code === '40P01' || code === '40001') return true;
  // Two writers inserting the same client-chosen event id: on a rerun it is found and compared.
  return code === '23505' && (err as { constraint?: string }).constraint === 'audit_event_ids_pkey';
}

/** Thrown for any store call while the database is unreachable; the HTTP layer answers 503 (error-handler.ts). */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly code = 'ORGLEDGER_STORE_UNAVAILABLE';
  constructor(cause: unknown) {
    super('The database is unavailable; retry shortly.', { cause });
  }
}

/** A read that ran past its budget (statement_timeout, SQLSTATE 57014): shared with SQLite's reader pool. */
export { ReadTimeoutError } from '../read-timeout.js';

export function storeError(err: unknown): unknown {
  return isConnectionError(err) ? new StoreUnavailableError(err) : err;
}

/**
 * A read that may be heavy (audit lists, usage and costs): in a read-only transaction whose
 * statement_timeout (SET LOCAL, so the connection keeps its default) bounds it; past the budget
 * PostgreSQL cancels it and the caller gets a ReadTimeoutError. Budget 0: a plain pooled query.
 */
export async function budgetedRows<R extends pg.QueryResultRow>(
  pool: pg.Pool,
  budgetMs: number,
  name: string | undefined,
  text: string,
  values: unknown[],
): Promise<R[]> {
  const query = name ? { name: `orgledger_${name}`, text, values } : { text, values };
  if (budgetMs <= 0) {
    try {
      return (await pool.query<R>(query)).rows;
    } catch (err) {
      throw storeError(err);
    }
  }
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw storeError(err);
  }
  let broken = false;
  try {
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = ${Math.floor(budgetMs)}`);
    const result = await client.query<R>(query);
    await client.query('COMMIT');
    return result.rows;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    if ((err as { code?: string }).code === '57014') throw new ReadTimeoutError(budgetMs, err);
    throw storeError(err);
  } finally {
    client.release(broken);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Start-up: waits up to `waitSeconds` for a database that is not answering yet, logging once; a
 * refusal (wrong password, missing database) fails at once with one clear line.
 */
export async function waitForDatabase(pool: pg.Pool, url: string, waitSeconds: number, log: (line: string) => void): Promise<void> {
  const where = describeUrl(url);
  const deadline = Date.now() + waitSeconds * 1000;
  let waiting = false;
  for (;;) {
    try {
      await pool.query('SELECT 1');
      if (waiting) log(`PostgreSQL at ${where} is answering`);
      return;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      if (isRefusal(err)) throw new ConfigError(`PostgreSQL at ${where} refused the connection: ${reason}`);
      if (!isConnectionError(err)) throw new Error(`PostgreSQL at ${where}: ${reason}`);
      if (Date.now() >= deadline) throw new Error(`PostgreSQL at ${where} did not answer within ${waitSeconds} s: ${reason}`);
      if (!waiting) log(`waiting for PostgreSQL at ${where} (${reason}); retrying for up to ${waitSeconds} s`);
      waiting = true;
      await sleep(500);
    }
  }
}
