/**
 * Streams at one position (both engines): unfiltered webhook streams share one serialised body per
 * batch (each signs it with its own secret), and a held delivery lease is renewed only once half of
 * it is left, not by a write per round.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { startReceiver } from './receiver.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ logStreamPollMs: 20, logStreamLeaseMs: 60_000 });
});
afterAll(async () => {
  await server.close();
});

const BASE = '/v1/organization/log_streams';

async function ingest(from: number, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `p${from + i}`);
  const data = ids.map((id) => ({ type: 'project.created', 'project.created': { id, data: { name: id } } }));
  expect((await server.request('POST', '/v1/organization/audit_logs', { body: { data } })).status).toBe(200);
  return ids;
}

describe('streams at one position', () => {
  it('send the same bytes, each signed with its own secret, as the list endpoint lists the events', async () => {
    const receiver = await startReceiver();
    const made = [];
    for (const name of ['a', 'b']) {
      const res = await server.request('POST', BASE, {
        body: { name, sink: { type: 'webhook', url: `${receiver.url}/${name}` }, batch: { max_records: 4, max_wait_ms: 10 } },
      });
      expect(res.status).toBe(200);
      made.push(res.body as { id: string; sink: { secret: string } });
    }
    const [a, b] = made as [{ id: string; sink: { secret: string } }, { id: string; sink: { secret: string } }];
    expect(a.sink.secret).not.toBe(b.sink.secret);
    const sent = await ingest(0, 10);
    await receiver.until((r) => r.filter((x) => x.path === '/a').length >= 3 && r.filter((x) => x.path === '/b').length >= 3);
    const bodies = (path: string, secret: string) =>
      receiver.received
        .filter((r) => r.path === path)
        .map((r) => {
          new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
          return r.body;
        });
    const fromA = bodies('/a', a.sink.secret);
    const fromB = bodies('/b', b.sink.secret);
    expect(fromB).toEqual(fromA);
    const delivered = fromA.flatMap((body) => JSON.parse(body) as Array<Record<string, any>>);
    expect(delivered.map((e) => e['project.created'].id)).toEqual(sent);
    // Each record is the AuditLog object the list endpoint answers.
    const listed = await server.request('GET', '/v1/organization/audit_logs?limit=100');
    const byId = new Map((listed.body as { data: Array<{ id: string }> }).data.map((e) => [e.id, e]));
    for (const e of delivered) expect(e).toEqual(byId.get(e.id));
    await receiver.close();
  });

  it('renews a held lease once half of it is left, not every round', async () => {
    const receiver = await startReceiver();
    const res = await server.request('POST', BASE, {
      body: { name: 'lease', sink: { type: 'webhook', url: `${receiver.url}/l` }, batch: { max_records: 2, max_wait_ms: 10 } },
    });
    const id = (res.body as { id: string }).id;
    const [org] = await server.store.keys.listOrganizations();
    const orgId = String(org?.id);
    await ingest(100, 2);
    await receiver.until((r) => r.length >= 1);
    const first = await server.store.logStreams.getLogStream(orgId, id);
    expect(first?.leaseOwner).not.toBeNull();
    // Many rounds (20 ms apart) and deliveries later, the lease still expires when it was first taken until.
    for (let i = 0; i < 5; i++) await ingest(200 + 2 * i, 2);
    await receiver.until((r) => r.reduce((n, x) => n + (JSON.parse(x.body) as unknown[]).length, 0) >= 12);
    await new Promise((r) => setTimeout(r, 200));
    const later = await server.store.logStreams.getLogStream(orgId, id);
    expect(later?.auditCursor).toBeGreaterThan(first?.auditCursor ?? 0);
    expect(later?.leaseOwner).toBe(first?.leaseOwner);
    expect(later?.leaseExpiresAt).toBe(first?.leaseExpiresAt);
    await receiver.close();
  });
});
