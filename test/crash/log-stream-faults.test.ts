/**
 * Log stream delivery faults with real `orgledger serve` processes and a real webhook receiver:
 * SIGKILL mid-delivery, a receiver down then up, lease takeover between two processes on one
 * store (one SQLite data directory opened by both; and a PostgreSQL schema when ORGLEDGER_TEST_DATABASE_URL
 * is set), and a PostgreSQL failover (a cluster of the test's own stopped and restarted). Every
 * event arrives, in order; a record arrives twice only inside a batch resent with the same webhook-id.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';
import { freshTestDatabase, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';
import { type PgCluster, pgBinDir, startPgCluster } from '../helpers/pg-cluster.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-stream-faults-'));
const children: ServeChild[] = [];
let pgDatabase: TestDatabase | undefined;
afterAll(async () => {
  for (const c of children) await c.kill('SIGKILL');
  await pgDatabase?.drop();
  rmSync(root, { recursive: true, force: true });
});

/** Short poll, backoff and lease so faults resolve within the test. */
const FAST_ENV = {
  ORGLEDGER_LOG_STREAM_POLL_MS: '20',
  ORGLEDGER_LOG_STREAM_BACKOFF_MS: '20',
  ORGLEDGER_LOG_STREAM_MAX_BACKOFF_MS: '200',
  ORGLEDGER_LOG_STREAM_FAIL_AFTER: '2',
  ORGLEDGER_LOG_STREAM_LEASE_MS: '2000',
};

interface Delivery {
  webhookId: string;
  ids: string[];
}

/** A webhook receiver that can leave one request unanswered (the process is killed meanwhile). */
class HookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Called with the delivery number (0-based) before answering; return false to leave it hanging. */
  answer: (n: number) => boolean = () => true;
  private readonly hanging: ServerResponse[] = [];
  private waiters: Array<() => void> = [];
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const records = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ id: string }>;
        const n = this.deliveries.length;
        this.deliveries.push({ webhookId: String(req.headers['webhook-id']), ids: records.map((r) => r.id) });
        if (this.answer(n)) res.writeHead(204).end();
        else this.hanging.push(res);
        for (const w of this.waiters.splice(0)) w();
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    this.port = address.port;
    this.server = server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async until(predicate: (d: Delivery[]) => boolean): Promise<void> {
    while (!predicate(this.deliveries)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Every distinct record id, in first-arrival order. */
  firstArrivals(): string[] {
    const seen = new Set<string>();
    for (const d of this.deliveries) for (const id of d.ids) seen.add(id);
    return [...seen];
  }

  /** Answers the requests left hanging (the receiver acknowledges them late). */
  release(): void {
    for (const res of this.hanging.splice(0)) res.writeHead(204).end();
  }

  async stop(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * The rule: records in order, and a record delivered twice only as part of a batch resent
 * with the same webhook-id (the acknowledgement was not recorded before the fault).
 */
function expectAtLeastOnceInOrder(receiver: HookReceiver, expected: string[]): void {
  expect(receiver.firstArrivals()).toEqual(expected);
  const firstBy = new Map<string, string>();
  for (const d of receiver.deliveries) {
    for (const id of d.ids) {
      const first = firstBy.get(id);
      if (first === undefined) firstBy.set(id, d.webhookId);
      else expect(d.webhookId, `${id} repeated outside a resent batch`).toBe(first);
    }
  }
  // each delivery itself is in order
  for (const d of receiver.deliveries) expect(d.ids).toEqual([...d.ids].sort((a, b) => expected.indexOf(a) - expected.indexOf(b)));
}

async function api(url: string, key: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** Ingests `n` events with client ids `<tag>-<i>` in one request per 50; returns the ids in order. */
async function ingest(url: string, key: string, tag: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${tag}-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < ids.length; i += 50) {
    const data = ids
      .slice(i, i + 50)
      .map((id) => ({ id, type: 'project.created', project: { id: `proj_${tag}` }, 'project.created': { id, data: { name: id } } }));
    await api(url, key, 'POST', '/v1/organization/audit_logs', { data });
  }
  return ids;
}

async function addStream(url: string, key: string, tag: string, hook: string, maxRecords: number): Promise<string> {
  const made = await api(url, key, 'POST', '/v1/organization/log_streams', {
    name: tag,
    sink: { type: 'webhook', url: hook },
    filters: { project_ids: [`proj_${tag}`] },
    batch: { max_records: maxRecords, max_wait_ms: 0 },
  });
  return made.id as string;
}

/** `serve` on a data directory (SQLite), or on `--database-url` when `dir` is a postgres:// URL. */
async function serve(dir: string, key: string): Promise<ServeChild> {
  const store = dir.startsWith('postgres') ? ['--database-url', dir] : ['--data', dir];
  const child = await startServeChild(store, { ORGLEDGER_ADMIN_KEY: key, ...FAST_ENV });
  children.push(child);
  return child;
}

/** Two `serve` processes on one store: the lease holder is SIGKILLed mid-delivery, the other delivers the rest. */
async function leaseTakeover(dir: string): Promise<void> {
  const key = testSecret('stream-lease');
  const receiver = new HookReceiver();
  await receiver.start();
  receiver.answer = (n) => n !== 2;
  // A starts first and renews the lease every poll, so B cannot hold it while A lives.
  const a = await serve(dir, key);
  const id = await addStream(a.url, key, 'lease', receiver.url, 10);
  const b = await serve(dir, key);
  const ids = await ingest(a.url, key, 'lease', 120);
  await receiver.until((d) => d.length >= 3);
  await a.kill('SIGKILL');
  receiver.answer = () => true;
  await receiver.until(() => receiver.firstArrivals().length >= ids.length);
  expectAtLeastOnceInOrder(receiver, ids);
  // the batch A sent and never saw acknowledged was resent by B under its webhook-id
  const held = receiver.deliveries[2] as Delivery;
  expect(receiver.deliveries.filter((d) => d.webhookId === held.webhookId).length).toBeGreaterThanOrEqual(2);
  let shown = await api(b.url, key, 'GET', `/v1/organization/log_streams/${id}`);
  while (shown.lag.records !== 0) shown = await api(b.url, key, 'GET', `/v1/organization/log_streams/${id}`);
  expect(shown.status).toBe('active');
  await b.kill('SIGKILL');
  await receiver.stop();
}

/**
 * PostgreSQL goes away (an immediate stop: the server process dies, as in a failover) while a batch
 * is at the receiver; the receiver acknowledges it while the store is away, so the cursor cannot move.
 * PostgreSQL comes back on the same address: the stream resends that batch (same webhook-id) and the
 * rest, and its last error tells of the outage.
 */
async function postgresFailover(cluster: PgCluster): Promise<void> {
  const key = testSecret('stream-failover');
  const receiver = new HookReceiver();
  await receiver.start();
  receiver.answer = (n) => n !== 3;
  const a = await serve(cluster.url, key);
  const id = await addStream(a.url, key, 'failover', receiver.url, 10);
  const ids = await ingest(a.url, key, 'failover', 100);
  await receiver.until((d) => d.length >= 4);
  cluster.stop('immediate');
  receiver.release();
  // The deliverer found the store away (the acknowledgement could not be recorded): its warning is in the log.
  while (!/log stream delivery failed/.test(a.stdout() + a.stderr())) await new Promise((r) => setTimeout(r, 50));
  const during = await fetch(`${a.url}/v1/organization/log_streams/${id}`, { headers: { authorization: `Bearer ${key}` } });
  expect(during.status).toBe(503);
  expect(((await during.json()) as { error: { code: string } }).error.code).toBe('unavailable');
  const sentDuring = receiver.deliveries.length;
  cluster.start();
  await receiver.until(() => receiver.firstArrivals().length >= ids.length);
  expectAtLeastOnceInOrder(receiver, ids);
  // Nothing was sent while the store was away; the acknowledged-but-unrecorded batch came again under its webhook-id.
  expect(sentDuring).toBe(4);
  const held = receiver.deliveries[3] as Delivery;
  const resent = receiver.deliveries.filter((d) => d.webhookId === held.webhookId);
  expect(resent.length).toBeGreaterThanOrEqual(2);
  expect(receiver.deliveries.flatMap((d) => d.ids).length).toBe(ids.length + held.ids.length * (resent.length - 1));
  let shown = await api(a.url, key, 'GET', `/v1/organization/log_streams/${id}`);
  while (shown.lag.records !== 0) shown = await api(a.url, key, 'GET', `/v1/organization/log_streams/${id}`);
  expect(shown).toMatchObject({ status: 'active', delivered: ids.length });
  expect(shown.last_error).toMatch(/^store unavailable/);
  expect(shown.failed).toBeGreaterThanOrEqual(1);
  await a.kill('SIGKILL');
  await receiver.stop();
}

describe('log stream faults (spawned serve)', () => {
  it('SIGKILL mid-delivery: after a restart every event arrives, in order, repeats only under the same webhook-id', async () => {
    const dir = join(root, 'kill');
    const key = testSecret('stream-kill');
    const receiver = new HookReceiver();
    await receiver.start();
    // The fourth delivery is left unanswered and the process killed while it waits: its batch was sent, never acknowledged.
    receiver.answer = (n) => n !== 3;
    let a = await serve(dir, key);
    await addStream(a.url, key, 'kill', receiver.url, 10);
    const ids = await ingest(a.url, key, 'kill', 200);
    await receiver.until((d) => d.length >= 4);
    await a.kill('SIGKILL');
    receiver.answer = () => true;
    a = await serve(dir, key);
    await receiver.until(() => receiver.firstArrivals().length >= ids.length);
    expectAtLeastOnceInOrder(receiver, ids);
    // the unacknowledged batch was resent with its webhook-id
    const held = receiver.deliveries[3] as Delivery;
    expect(receiver.deliveries.filter((d) => d.webhookId === held.webhookId).length).toBeGreaterThanOrEqual(2);
    await a.kill('SIGKILL');
    await receiver.stop();
  }, 120_000);

  it('a receiver down turns the stream failing; once up it catches up with no loss', async () => {
    const dir = join(root, 'down');
    const key = testSecret('stream-down');
    // Take a free port, then close it: the receiver is down.
    const receiver = new HookReceiver();
    await receiver.start();
    const port = receiver.port;
    const hook = receiver.url;
    await receiver.stop();
    const a = await serve(dir, key);
    const id = await addStream(a.url, key, 'down', hook, 7);
    const ids = await ingest(a.url, key, 'down', 60);
    let shown = await api(a.url, key, 'GET', `/v1/organization/log_streams/${id}`);
    while (shown.status !== 'failing') shown = await api(a.url, key, 'GET', `/v1/organization/log_streams/${id}`);
    expect(shown.last_error).toBeTruthy();
    expect(shown.lag.records).toBe(60);
    const up = new HookReceiver();
    await up.start(port);
    await up.until(() => up.firstArrivals().length >= ids.length);
    expectAtLeastOnceInOrder(up, ids);
    // nothing was sent while down, so nothing repeats
    expect(up.deliveries.flatMap((d) => d.ids)).toEqual(ids);
    while (shown.status !== 'active' || shown.lag.records !== 0) shown = await api(a.url, key, 'GET', `/v1/organization/log_streams/${id}`);
    expect(shown.delivered).toBe(60);
    await a.kill('SIGKILL');
    await up.stop();
  }, 120_000);

  it('lease takeover on one SQLite store: the lease holder is killed, the other process delivers the rest', async () => {
    await leaseTakeover(join(root, 'lease'));
  }, 120_000);

  it.skipIf(!PG_TEST_URL)(
    'lease takeover on one PostgreSQL store: the lease holder is killed, the other process delivers the rest',
    async () => {
      pgDatabase = await freshTestDatabase();
      await leaseTakeover(pgDatabase.url);
    },
    120_000,
  );

  // Its own cluster (the shared test server must stay up); run with the PostgreSQL tests.
  it.skipIf(!PG_TEST_URL || !pgBinDir())(
    'PostgreSQL failover: the server dies mid-delivery and comes back; every event arrives, only the unrecorded batch twice',
    async () => {
      const cluster = await startPgCluster();
      try {
        await postgresFailover(cluster);
      } finally {
        cluster.destroy();
      }
    },
    180_000,
  );
});
