/** Two deliverers on one store (as two serve processes on one PostgreSQL): the lease lets one send each batch, never both. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deliverer } from '../../src/features/log-streams/deliverer.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { startReceiver } from './receiver.js';

let server: TestServer;
let second: Deliverer;
beforeAll(async () => {
  server = await startServer({ logStreamPollMs: 20 });
  second = new Deliverer(server.store, systemClock, { pollMs: 20, backoffMs: 20, maxBackoffMs: 100, failAfter: 5, leaseMs: 15000 }, (err) => {
    throw err;
  });
  second.start();
});
afterAll(async () => {
  await second.stop();
  await server.close();
});

describe('delivery lease', () => {
  it('delivers every record once, in order, with two deliverers polling the same stream', async () => {
    const receiver = await startReceiver();
    const made = await server.request('POST', '/v1/organization/log_streams', {
      body: { name: 'lease', sink: { type: 'webhook', url: `${receiver.url}/h` }, batch: { max_records: 3, max_wait_ms: 10 } },
    });
    expect(made.status).toBe(200);
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      const data = Array.from({ length: 4 }, (_, j) => ({ type: 'project.created', 'project.created': { id: `p${i * 4 + j}`, data: { name: 'x' } } }));
      expect((await server.request('POST', '/v1/organization/audit_logs', { body: { data } })).status).toBe(200);
      sent.push(...data.map((d) => d['project.created'].id));
    }
    const got = () => receiver.received.flatMap((r) => JSON.parse(r.body) as Array<Record<string, any>>).map((e) => e['project.created'].id as string);
    await receiver.until(() => got().length >= sent.length);
    expect(got()).toEqual(sent);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(ids.length);
    await receiver.close();
  });
});
