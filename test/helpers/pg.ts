/**
 * PostgreSQL for tests. ORGLEDGER_TEST_DATABASE_URL names a server where the tests may create
 * databases (CI starts a throwaway one, see .ci/run); each store gets its own fresh schema in the
 * database `orgledger_test`, dropped when the test is done. ORGLEDGER_TEST_ENGINE pins the engine
 * (the Vitest projects set it, see vitest.config.ts): `sqlite` runs as if no PostgreSQL were
 * configured, `postgres` runs what has an engine on PostgreSQL only (and skips, saying why, when no
 * server is configured); unset runs both where a test loops over engines.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const configured = process.env.ORGLEDGER_TEST_DATABASE_URL;
const pinned = process.env.ORGLEDGER_TEST_ENGINE;
export const PG_TEST_URL: string | undefined = configured && pinned !== 'sqlite' ? configured : undefined;
/** False in the postgres project: SQLite runs belong to the http project there. */
export const SQLITE_UNDER_TEST = pinned !== 'postgres';
/** The postgres project without a server: nothing to run. */
export const POSTGRES_PINNED_WITHOUT_SERVER = pinned === 'postgres' && !configured;
export const PG_SKIP_MESSAGE =
  'PostgreSQL tests skipped: set ORGLEDGER_TEST_DATABASE_URL=postgres://user@host:port/db (a server where tests may create databases) to run them; .ci/run starts one';

const TEST_DATABASE = 'orgledger_test';
let databaseReady: Promise<void> | undefined;

function urlFor(database: string, schema?: string): string {
  const url = new URL(PG_TEST_URL as string);
  url.pathname = `/${database}`;
  if (schema) url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function ensureDatabase(): Promise<void> {
  databaseReady ??= withClient(PG_TEST_URL as string, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [TEST_DATABASE]);
    if (rowCount) return;
    try {
      await c.query(`CREATE DATABASE ${TEST_DATABASE}`);
    } catch (err) {
      // Another test worker created it first.
      const code = (err as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw err;
    }
  });
  return databaseReady;
}

export interface TestDatabase {
  /** A URL whose connections work in the fresh schema. */
  url: string;
  schema: string;
  /** Runs SQL in the schema (for assertions on what the engine wrote). */
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/** A fresh, empty schema for one store. */
export async function freshTestDatabase(): Promise<TestDatabase> {
  if (!PG_TEST_URL) throw new Error(PG_SKIP_MESSAGE);
  await ensureDatabase();
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withClient(urlFor(TEST_DATABASE), (c) => c.query(`CREATE SCHEMA ${schema}`));
  const url = urlFor(TEST_DATABASE, schema);
  return {
    url,
    schema,
    query: (text, values) => withClient(url, async (c) => (await c.query(text, values)).rows),
    drop: () => withClient(urlFor(TEST_DATABASE), (c) => c.query(`DROP SCHEMA ${schema} CASCADE`)).then(() => undefined),
  };
}
