/**
 * PostgreSQL: heavy reads (audit lists, usage, costs) hold at most half of the pool, so writes, key
 * lookups and /readyz always find a connection. The test holds the usage reads in the database with
 * a table lock (no sleeps): with a pool of 4, four usage reads wait on the lock; /healthz, another
 * organization's ingest and its audit list must still answer while they wait.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractFetch } from '../helpers/contract.js';
import { startServer, TEST_ENGINE, type TestServer } from '../helpers/server.js';

// Whole UTC days far in the past: the daily rollup, one store query per request.
const USAGE = '/v1/organization/usage/completions?start_time=1700006400&end_time=1700092800&bucket_width=1d';

function call(base: string, path: string, key: string | null, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return contractFetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

describe.skipIf(TEST_ENGINE !== 'postgres')('PostgreSQL: heavy reads leave connections for everyone else', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ pgPoolSize: 4 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('while four usage reads wait in the database, health, another organization ingest and its audit list answer', async () => {
    const other = await server.keys.createOrganization('bystander');
    const locker = new pg.Client({ connectionString: server.config.databaseUrl });
    const watcher = new pg.Client({ connectionString: server.config.databaseUrl });
    await locker.connect();
    await watcher.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE usage_rollups IN ACCESS EXCLUSIVE MODE');
      const held = Array.from({ length: 4 }, () => call(server.url, USAGE, server.adminKey));
      // Asked on its own connection (inside the locker's transaction pg_stat_activity is one frozen
      // snapshot), by the start of the usage statement (pg_stat_activity keeps only its first 1 kB).
      const waitingReads = async () =>
        Number(
          (
            await watcher.query(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'SELECT (bucket - ((bucket - $1::bigint)%'",
            )
          ).rows[0].n,
        );
      while ((await waitingReads()) < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await call(server.url, '/healthz', null)).status).toBe(200);
      const ingest = await call(server.url, '/v1/organization/audit_logs', other.key.secret, { data: [{ type: 'logout.succeeded' }] });
      expect(ingest.status, await ingest.clone().text()).toBe(200);
      // The other organization's list is a heavy read too: it waits for a heavy slot, so it is asked after the lock goes.
      expect(await waitingReads()).toBe(2);
      await locker.query('ROLLBACK');
      for (const res of await Promise.all(held)) expect(res.status).toBe(200);
      expect((await call(server.url, '/v1/organization/audit_logs?limit=5', other.key.secret)).status).toBe(200);
    } finally {
      await locker.end();
      await watcher.end();
    }
  });
});
