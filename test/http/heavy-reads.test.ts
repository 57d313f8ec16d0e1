/**
 * A heavy SQLite read holds up no one (issue 11, bounded reads): while a usage read is still running,
 * /healthz, another organization's ingest and another organization's audit list answer. The read
 * runs on a reader worker thread (src/store/sqlite/reader-pool.ts) that this test holds at a gate
 * inside the worker (test/helpers/gated-reader-worker.ts: the thread blocks as it would in a long
 * native query). No sleeps decide anything: each check runs while the held read is provably still in
 * flight. (PostgreSQL reads always waited in the database, off the event loop; its time budget is
 * test/http/read-timeout.test.ts.)
 *
 * On SQLite the read also has its time budget (ORGLEDGER_READ_TIMEOUT_MS): past it the answer is the
 * same 503 query_timeout as PostgreSQL's (test/http/read-timeout.test.ts), the held worker is stopped
 * and replaced, and the server keeps serving reads.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
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

/** The checks that must pass while one organization's heavy read is still running. */
async function othersAreServed(base: string, otherKey: string, stillRunning: () => boolean): Promise<void> {
  expect((await call(base, '/healthz', null)).status).toBe(200);
  const ingest = await call(base, '/v1/organization/audit_logs', otherKey, { data: [{ type: 'logout.succeeded' }] });
  expect(ingest.status, await ingest.clone().text()).toBe(200);
  const list = await call(base, '/v1/organization/audit_logs?limit=5', otherKey);
  expect(list.status, await list.clone().text()).toBe(200);
  expect(((await list.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  expect(stillRunning()).toBe(true);
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe.skipIf(TEST_ENGINE !== 'sqlite')('SQLite heavy reads run on reader workers', () => {
  let server: TestServer;
  const gate = new Int32Array(new SharedArrayBuffer(8));
  const opened: { app: FastifyInstance; store: SqliteStore }[] = [];

  /** A second app on the test server's file whose store's reader workers stop usage reads at the gate. */
  async function gatedApp(readTimeoutMs: number): Promise<{ url: string; store: SqliteStore }> {
    const store = new SqliteStore({
      path: join(server.dir, 'orgledger.sqlite'),
      synchronous: 'NORMAL',
      maxJobsPerBatch: 64,
      autoMigrate: false,
      readers: 2,
      readTimeoutMs,
      readerModule: { url: new URL('../helpers/gated-reader-worker.ts', import.meta.url), data: { gate: gate.buffer, custom: true } },
    });
    // No log-stream deliverer of its own: the first app already runs one on this file.
    const app = await buildApp({ ...server.config, readTimeoutMs, logStreamPollMs: 0 }, { store, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    opened.push({ app, store });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    return { url: `http://127.0.0.1:${address.port}`, store };
  }

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    for (const { app, store } of opened) {
      app.server.closeAllConnections();
      await app.close();
      await store.close();
    }
    await server?.close();
  });

  it('while a usage read is held on its worker, health, another organization ingest and its audit list answer', async () => {
    const { url } = await gatedApp(0);
    const other = await server.keys.createOrganization('bystander');
    Atomics.store(gate, 0, 0);
    Atomics.store(gate, 1, 0);
    let done = false;
    const heavy = call(url, USAGE, server.adminKey).then((res) => {
      done = true;
      return res;
    });
    await until(() => Atomics.load(gate, 1) === 1);
    await othersAreServed(url, other.key.secret, () => !done && Atomics.load(gate, 1) === 1);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const res = await heavy;
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it('a read past its budget answers 503 query_timeout; its worker is replaced and reads go on', async () => {
    const { url, store } = await gatedApp(300);
    Atomics.store(gate, 0, 0);
    Atomics.store(gate, 1, 0);
    const res = await call(url, USAGE, server.adminKey);
    expect(res.status, await res.clone().text()).toBe(503);
    expect(res.headers.get('x-should-retry')).toBe('false');
    const body = (await res.json()) as { error: { type: string; code: string; message: string; param: unknown } };
    expect(body.error).toMatchObject({ type: 'server_error', code: 'query_timeout', param: null });
    expect(body.error.message).toContain('300 ms');
    expect(Atomics.load(gate, 1)).toBe(1);
    expect(store.readerPool?.timedOut).toBe(1);
    // Not a store failure: readiness stays ok, and the server keeps serving.
    expect((await call(url, '/readyz', null)).status).toBe(200);
    expect((await call(url, '/v1/organization/audit_logs?limit=1', server.adminKey)).status).toBe(200);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    for (let i = 0; i < 3; i++) expect((await call(url, USAGE, server.adminKey)).status).toBe(200);
    expect(store.readerPool?.timedOut).toBe(1);
  });
});
