/**
 * GET /v1/organization/audit_logs/stream, the live tail, on a real listener and store (both engines):
 * the list's filters, resume by Last-Event-ID, heartbeats, the slow-client drop (and its resume), a revoked key ending
 * the stream, and many clients sharing one poll of the store.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseMessage } from '../helpers/sse.js';

const PATH = '/v1/organization/audit_logs/stream';
const idOf = (m: SseMessage) => (JSON.parse(m.data) as { id: string }).id;

describe('live tail', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ liveTailHeartbeatSeconds: 1, liveTailKeyRecheckSeconds: 1, liveTailClientBufferBytes: 512 * 1024 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('streams new events with the list filters, id = the per-organization sequence', async () => {
    const query = 'event_types[]=project.created&event_types[]=user.added&project_ids[]=proj_live';
    const filtered = await openSse(`${server.url}${PATH}?${query}`, server.adminKey);
    const all = await openSse(`${server.url}${PATH}`, server.adminKey);
    expect(filtered.status).toBe(200);
    expect(filtered.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = [
      { type: 'project.created', 'project.created': { id: 'proj_live' }, project: { id: 'proj_live' } },
      { type: 'project.created', 'project.created': { id: 'proj_other' }, project: { id: 'proj_other' } },
      { type: 'login.succeeded', project: { id: 'proj_live' }, actor: actors.session('user_1', 'u1@example.com') },
      { type: 'user.added', 'user.added': { id: 'user_9' }, project: { id: 'proj_live' } },
      { type: 'tenant.user.added', 'tenant.user.added': { id: 'user_9' }, project: { id: 'proj_live' } },
    ];
    const ids = await ingest(server, events);
    // Without tenant_only, like the list, the tenant-scoped event is not in the stream; its sequence is skipped.
    const lastAll = await all.next((m) => idOf(m) === ids[3]);
    expect(all.messages.map(idOf)).toEqual(ids.slice(0, 4));
    expect(Number(lastAll.id)).toBe(Number(all.messages[0]?.id) + 3);
    // The filtered stream must hold what the list endpoint answers for the same filters.
    const sentinel = await ingest(server, [{ type: 'user.added', 'user.added': { id: 'user_10' }, project: { id: 'proj_live' } }]);
    await filtered.next((m) => idOf(m) === sentinel[0]);
    const listed = await server.request('GET', `/v1/organization/audit_logs?${query}&limit=100`);
    const expected = (listed.body.data as { id: string }[])
      .map((e) => e.id)
      .filter((id) => [...ids, ...sentinel].includes(id))
      .reverse();
    expect(filtered.messages.map(idOf)).toEqual(expected);
    expect(expected).toEqual([ids[0], ids[3], sentinel[0]]);
    filtered.close();
    all.close();
  });

  it('tenant_only streams tenant-scoped events only, and rejects non-tenant types like the list', async () => {
    const bad = await server.request('GET', `${PATH}?tenant_only=true&event_types[]=project.created`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('event_types');
    const tenant = await openSse(`${server.url}${PATH}?tenant_only=true`, server.adminKey);
    const ids = await ingest(server, [
      { type: 'project.created', 'project.created': { id: 'p1' } },
      { type: 'tenant.user.added', 'tenant.user.added': { id: 'u1' } },
    ]);
    await tenant.next((m) => idOf(m) === ids[1]);
    expect(tenant.messages.map(idOf)).toEqual([ids[1]]);
    tenant.close();
  });

  it('resumes after Last-Event-ID (header or query), and follow=false ends after the backlog', async () => {
    const first = await openSse(`${server.url}${PATH}`, server.adminKey);
    const ids1 = await ingest(
      server,
      [1, 2, 3].map((i) => ({ type: 'user.added', 'user.added': { id: `resume_${i}` } })),
    );
    const m1 = await first.next((m) => idOf(m) === ids1[0]);
    await first.next((m) => idOf(m) === ids1[2]);
    first.close();
    const ids2 = await ingest(
      server,
      [4, 5].map((i) => ({ type: 'user.added', 'user.added': { id: `resume_${i}` } })),
    );
    const wanted = [...ids1.slice(1), ...ids2];

    const resumed = await openSse(`${server.url}${PATH}`, server.adminKey, { 'last-event-id': m1.id as string });
    await resumed.next((m) => idOf(m) === ids2[1]);
    const live = await ingest(server, [{ type: 'user.added', 'user.added': { id: 'resume_6' } }]);
    await resumed.next((m) => idOf(m) === live[0]);
    expect(resumed.messages.map(idOf)).toEqual([...wanted, ...live]);
    resumed.close();

    const once = await openSse(`${server.url}${PATH}?last_event_id=${m1.id}&follow=false`, server.adminKey);
    await once.ended;
    expect(once.messages.map(idOf)).toEqual([...wanted, ...live]);

    const badId = await fetch(`${server.url}${PATH}`, { headers: { authorization: `Bearer ${server.adminKey}`, 'last-event-id': 'abc' } });
    expect(badId.status).toBe(400);
    expect(((await badId.json()) as { error: { param: string } }).error.param).toBe('Last-Event-ID');
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const idle = await openSse(`${server.url}${PATH}?event_types[]=project.archived`, server.adminKey);
    const beat = await idle.comment((c) => c.startsWith('heartbeat'));
    expect(beat).toMatch(/^heartbeat \d{4}-/);
    idle.close();
  });

  it('drops a client that does not read, with a final event saying why, while ingest and other clients go on', async () => {
    const fast = await openSse(`${server.url}${PATH}`, server.adminKey);
    const url = new URL(`${server.url}${PATH}`);
    const chunks: Buffer[] = [];
    const slow = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = httpRequest(url, { headers: { authorization: `Bearer ${server.adminKey}` } }, resolve);
      req.on('error', reject);
      req.end();
    });
    slow.on('data', (c: Buffer) => chunks.push(c));
    slow.pause();
    const big = 'x'.repeat(16_000);
    const ids: string[] = [];
    // Far more than the 512 KiB bound plus what the sockets' kernel buffers absorb, in bursts the
    // reading client takes in stride.
    for (let batch = 0; batch < 60; batch++) {
      ids.push(
        ...(await ingest(
          server,
          Array.from({ length: 10 }, (_, i) => ({ type: 'user.added', 'user.added': { id: `slow_${batch}_${i}` }, project: { id: 'p', name: big } })),
        )),
      );
    }
    await fast.next((m) => idOf(m) === ids[ids.length - 1]);
    expect(fast.messages.filter((m) => ids.includes(idOf(m))).length).toBe(ids.length);
    fast.close();
    const ended = new Promise<void>((resolve) => slow.on('close', resolve));
    slow.resume();
    await ended;
    const text = Buffer.concat(chunks).toString('utf8');
    const last = text.trimEnd().split('\n\n').pop() as string;
    expect(last.split('\n')[0]).toBe('event: error');
    const error = JSON.parse(last.split('\n')[1]?.replace(/^data: /, '') as string).error;
    expect(error.code).toBe('slow_client');
    expect(error.message).toContain('Last-Event-ID');

    // Reconnecting with the last id it received, the dropped client gets the rest: no gap, no repeat.
    const received = text
      .split('\n\n')
      .filter((block) => block.startsWith('id: '))
      .map((block) => ({ seq: (block.split('\n')[0] as string).slice(4), id: JSON.parse(block.split('\n')[1]?.slice(6) as string).id as string }));
    expect(received.map((r) => r.id)).toEqual(ids.slice(0, received.length));
    const resumed = await openSse(`${server.url}${PATH}`, server.adminKey, { 'last-event-id': received.at(-1)?.seq as string });
    await resumed.next((m) => idOf(m) === ids[ids.length - 1]);
    expect(resumed.messages.map(idOf)).toEqual(ids.slice(received.length));
    resumed.close();
  });

  it('ends the stream when its key is revoked', async () => {
    const api = server.client().admin.organization.adminAPIKeys;
    const key = await api.create({ name: 'tail reader', scopes: ['audit_logs.read'] } as any);
    const stream = await openSse(`${server.url}${PATH}`, key.value as string);
    expect(stream.status).toBe(200);
    const ids = await ingest(server, [{ type: 'user.added', 'user.added': { id: 'before_revoke' } }]);
    await stream.next((m) => idOf(m) === ids[0]);
    await api.delete(key.id);
    const error = await stream.next((m) => m.event === 'error');
    expect(JSON.parse(error.data).error.code).toBe('key_revoked');
    await stream.ended;
  });
});

describe('live tail fan-out', () => {
  let server: TestServer;
  beforeAll(async () => {
    // No interval polls within the test: only the commit's wake-up can deliver.
    server = await startServer({ liveTailPollMs: 60_000 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves many clients of one organization from one store read per wake-up', async () => {
    const reads = server.store.liveTail;
    const original = reads.auditEventsAfter.bind(reads);
    let calls = 0;
    reads.auditEventsAfter = (...args) => {
      calls++;
      return original(...args);
    };
    const clients = await Promise.all(Array.from({ length: 50 }, () => openSse(`${server.url}${PATH}`, server.adminKey)));
    await Promise.all(clients.map((c) => c.comment((x) => x.startsWith('orgledger'))));
    const ids = await ingest(server, [{ type: 'user.added', 'user.added': { id: 'fan_out' } }]);
    await Promise.all(clients.map((c) => c.next((m) => idOf(m) === ids[0])));
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThan(5);
    for (const c of clients) c.close();
  });
});
