/**
 * Per-key and per-organization read concurrency (src/http/read-limits.ts), on a real listener: the
 * usage query of the store is gated, so a read holds its slot until the test opens the gate (no
 * sleeps, no timing). One read more than the limit answers 429 rate_limit_error with Retry-After;
 * other organizations, health and ingest are not refused; slots come back when reads finish.
 */
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Store } from '../../src/store/store.js';
import { contractFetch } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * A store whose usage queries wait for open(); `waiting` counts the queries parked at the gate. A
 * usage read is one store call: usagePage (the whole page, built on a reader worker) where the
 * engine offers it, else queryUsage.
 */
class Gate {
  waiting = 0;
  private opened: Promise<void> = Promise.resolve();
  private openNow: () => void = () => {};
  private arrivals: Array<{ n: number; resolve: () => void }> = [];

  close(): void {
    this.opened = new Promise((resolve) => {
      this.openNow = resolve;
    });
  }
  open(): void {
    this.openNow();
  }
  async pass(): Promise<void> {
    this.waiting++;
    for (const a of this.arrivals.filter((x) => x.n <= this.waiting)) a.resolve();
    this.arrivals = this.arrivals.filter((x) => x.n > this.waiting);
    await this.opened;
    this.waiting--;
  }
  /** Resolves once n queries wait at the gate. */
  parked(n: number): Promise<void> {
    if (this.waiting >= n) return Promise.resolve();
    return new Promise((resolve) => this.arrivals.push({ n, resolve }));
  }
}

function gated(store: Store, gate: Gate): Store {
  const usage = new Proxy(store.usage, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if ((prop !== 'queryUsage' && prop !== 'usagePage') || typeof v !== 'function') return typeof v === 'function' ? v.bind(target) : v;
      return async (...args: unknown[]) => {
        calls++;
        await gate.pass();
        return v.apply(target, args);
      };
    },
  });
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'usage') return usage;
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

let calls = 0;
let server: TestServer;
let app: FastifyInstance;
let url: string;
const gate = new Gate();
let orgId: string;

beforeAll(async () => {
  server = await startServer();
  // A second app on the same store, with the gate and small limits.
  // No log-stream deliverer of its own: the first app already runs one on this store.
  const config = { ...server.config, readConcurrencyPerKey: 2, readConcurrencyPerOrg: 3, logStreamPollMs: 0 };
  app = await buildApp(config, { store: gated(server.store, gate), logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  url = `http://127.0.0.1:${address.port}`;
  const me = await server.keys.authenticate(server.adminKey);
  orgId = me?.orgId as string;
});
afterAll(async () => {
  gate.open();
  // Reads whose clients hung up may still be answering into closed sockets: do not wait on them.
  app.server.closeAllConnections();
  await app.close();
  await server.close();
});

// Whole UTC days far in the past: one source (the daily rollup), so one query per request reaches the gate.
const USAGE = '/v1/organization/usage/completions?start_time=1700006400&end_time=1700092800&bucket_width=1d';

function get(path: string, key: string): Promise<Response> {
  return contractFetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
}

async function expect429(res: Response, who: string) {
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('1');
  const body = (await res.json()) as { error: { type: string; code: string; message: string } };
  expect(body.error.type).toBe('rate_limit_error');
  expect(body.error.code).toBe('rate_limit_exceeded');
  expect(body.error.message).toContain(who);
}

describe('read concurrency limits', () => {
  it('a key beyond its limit gets 429 with Retry-After; its organization, others and health are still served', async () => {
    const second = await server.keys.createOperatorKey(orgId, 'second reader', ['usage.read']);
    const third = await server.keys.createOperatorKey(orgId, 'third reader', ['usage.read']);
    const other = await server.keys.createOrganization('other org');
    gate.close();
    const held = [get(USAGE, server.adminKey), get(USAGE, server.adminKey)];
    await gate.parked(2);
    await expect429(await get(USAGE, server.adminKey), 'admin API key');
    // The same organization's third slot goes to another key; the fourth read is refused for the organization.
    const third1 = get(USAGE, second.secret);
    await gate.parked(3);
    await expect429(await get(USAGE, third.secret), 'organization');
    // A malformed query costs no slot and answers its 400 as before.
    expect((await get('/v1/organization/usage/completions', server.adminKey)).status).toBe(400);
    // Another organization, health and ingest are not limited by this organization's reads.
    const elsewhere = get(USAGE, other.key.secret);
    await gate.parked(4);
    expect((await contractFetch(`${url}/healthz`)).status).toBe(200);
    const ingest = await contractFetch(`${url}/v1/organization/usage/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: [{ created_at: Math.floor(Date.now() / 1000) - 10, input_tokens: 1, output_tokens: 1, num_model_requests: 1 }] }),
    });
    expect(ingest.status, await ingest.clone().text()).toBe(200);
    gate.open();
    for (const res of await Promise.all([...held, third1, elsewhere])) expect(res.status).toBe(200);
    // One store query per read, so the gate counted reads.
    expect(calls).toBe(4);
    // Every slot came back.
    for (const res of await Promise.all([get(USAGE, server.adminKey), get(USAGE, server.adminKey)])) expect(res.status).toBe(200);
  });

  it('a slot held by a client that hung up is given back', async () => {
    gate.close();
    const aborts = [new AbortController(), new AbortController()];
    const held = aborts.map((a) =>
      fetch(`${url}${USAGE}`, { headers: { authorization: `Bearer ${server.adminKey}` }, signal: a.signal }).catch((err: Error) => err),
    );
    await gate.parked(2);
    for (const a of aborts) a.abort();
    await Promise.all(held);
    // The aborted reads are still parked in the store, but their connections closed: the key may read again.
    // The server learns of the hang-ups asynchronously: until it has, a new read is a 429; then one parks.
    for (;;) {
      const again = get(USAGE, server.adminKey);
      const outcome = await Promise.race([again, gate.parked(3).then(() => 'parked' as const)]);
      if (outcome === 'parked') {
        gate.open();
        expect((await again).status).toBe(200);
        break;
      }
      expect(outcome.status).toBe(429);
    }
  });

  it('the openai SDK waits the Retry-After and its retry succeeds', async () => {
    gate.close();
    const held = [get(USAGE, server.adminKey), get(USAGE, server.adminKey)];
    await gate.parked(2);
    let refusedAt = 0;
    let retriedAt = 0;
    const client = new OpenAI({
      adminAPIKey: server.adminKey,
      apiKey: 'unused',
      baseURL: `${url}/v1`,
      maxRetries: 1,
      fetch: async (input, init) => {
        if (refusedAt) retriedAt = Date.now();
        const res = await contractFetch(input as string, init as RequestInit);
        if (res.status === 429) {
          refusedAt = Date.now();
          // The held reads finish now; the SDK's retry then finds a free slot.
          gate.open();
          await Promise.all(held);
        }
        return res;
      },
    });
    const page = await client.admin.organization.usage.completions({ start_time: 1700006400, end_time: 1700092800, bucket_width: '1d' });
    expect(page.object).toBe('page');
    expect(refusedAt).toBeGreaterThan(0);
    // Retry-After: 1 was honoured (the SDK's own first backoff is at most 0.5 s).
    expect(retriedAt - refusedAt).toBeGreaterThanOrEqual(900);
  });
});
