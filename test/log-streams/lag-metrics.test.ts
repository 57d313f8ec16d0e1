/**
 * A stream's lag in records and in seconds (the age of its oldest unacknowledged record), in /metrics
 * and in the API, on both engines. The app runs on a clock the test moves, so the seconds are exact:
 * events are stored at T, the receiver refuses them, the clock moves to T+90.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Clock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { type Receiver, startReceiver } from './receiver.js';

/** A clock that stands still until the test moves it. */
class TestClock implements Clock {
  constructor(public ms: number) {}
  nowMs(): number {
    return this.ms;
  }
  nowSeconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

const T = Math.floor(Date.now() / 1000);
const clock = new TestClock(T * 1000);
let server: TestServer;
let app: FastifyInstance;
let url: string;
let receiver: Receiver;

beforeAll(async () => {
  // The first app delivers nothing (poll 0); the second, on the same store and the test's clock, delivers and answers.
  server = await startServer({ logStreamPollMs: 0 });
  const config = { ...server.config, logStreamPollMs: 10, logStreamBackoffMs: 100, logStreamMaxBackoffMs: 100, logStreamFailAfter: 2 };
  app = await buildApp(config, { store: server.store, clock, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  url = `http://127.0.0.1:${address.port}`;
  receiver = await startReceiver();
});
afterAll(async () => {
  await app.close();
  await server.close();
  await receiver.close();
});

async function call(method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = (await res.json()) as Record<string, any>;
  expect(res.status, JSON.stringify(out)).toBe(200);
  return out;
}

const ingest = (ids: string[]) =>
  call('POST', '/v1/organization/audit_logs', {
    data: ids.map((id) => ({ id, type: 'project.created', project: { id: 'proj_lag' }, 'project.created': { id, data: { name: id } } })),
  });

/** The stream's series in /metrics, by metric name. */
async function series(streamId: string): Promise<Record<string, number>> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(orgledger_log_stream_\w+)\{[^}]*stream="([^"]+)"[^}]*\} (\S+)$/.exec(line);
    if (m && m[2] === streamId) out[m[1] as string] = Number(m[3]);
  }
  return out;
}

describe('log stream lag in /metrics', () => {
  it('shows records waiting and the age of the oldest of them, and 0/0 once delivered', async () => {
    const made = await call('POST', '/v1/organization/log_streams', {
      name: 'lag',
      sink: { type: 'webhook', url: `${receiver.url}/hook` },
      batch: { max_records: 100, max_wait_ms: 0 },
    });
    const id = made.id as string;
    expect(await series(id)).toMatchObject({ orgledger_log_stream_lag_records: 0, orgledger_log_stream_lag_seconds: 0 });

    // Refused until the script runs out; with the clock still, the backoff holds every retry until the test moves it.
    for (let i = 0; i < 50; i++) receiver.script.push({ status: 503 });
    await ingest(['lag_0', 'lag_1', 'lag_2', 'lag_3', 'lag_4']);
    // The clock moves only once the refusal is recorded (its backoff counted from T, not from T+90).
    let shown = await call('GET', `/v1/organization/log_streams/${id}`);
    while (shown.failed < 1) shown = await call('GET', `/v1/organization/log_streams/${id}`);

    clock.ms += 90_000;
    // Three more stored at T+90: the lag in seconds stays the age of the oldest waiting record.
    await ingest(['lag_5', 'lag_6', 'lag_7']);
    while (shown.status !== 'failing') shown = await call('GET', `/v1/organization/log_streams/${id}`);
    expect(shown.lag).toEqual({ records: 8, seconds: 90 });
    expect(await series(id)).toMatchObject({
      orgledger_log_stream_lag_records: 8,
      orgledger_log_stream_lag_seconds: 90,
      orgledger_log_stream_failing: 1,
      orgledger_log_stream_delivered_total: 0,
    });
    const help = await fetch(`${url}/metrics`).then((r) => r.text());
    expect(help).toContain('# TYPE orgledger_log_stream_lag_seconds gauge');

    // The receiver accepts from now on; the next retry (the clock moved past its backoff) delivers all eight.
    receiver.script.length = 0;
    clock.ms += 1000;
    await receiver.until((rs) => rs.some((r) => r.status === 200));
    while (shown.delivered < 8) shown = await call('GET', `/v1/organization/log_streams/${id}`);
    expect(shown.lag).toEqual({ records: 0, seconds: 0 });
    expect(await series(id)).toMatchObject({
      orgledger_log_stream_lag_records: 0,
      orgledger_log_stream_lag_seconds: 0,
      orgledger_log_stream_failing: 0,
      orgledger_log_stream_delivered_total: 8,
    });
  });
});
