/**
 * POST /v1/organization/audit_logs: every event type, atomic batches, idempotent replays, NDJSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { actors, EVENT_TYPES, ingest, listAllIds, representativeDetails } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const PATH = '/v1/organization/audit_logs';

/** Every stored event (tenant-scoped or not), read back through the SDK. */
async function readAll(): Promise<Map<string, Record<string, any>>> {
  const out = new Map<string, Record<string, any>>();
  for (const tenant_only of [false, true]) {
    for await (const log of server.client().admin.organization.auditLogs.list({ limit: 100, tenant_only } as any)) {
      out.set(log.id, log as unknown as Record<string, any>);
    }
  }
  return out;
}

async function storedCount(): Promise<number> {
  return (await readAll()).size;
}

function projectEvent(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'project.created',
    effective_at: 1_700_000_000 + i,
    actor: actors.userKey(`key_${i % 5}`, `user_${i % 7}`, `u${i % 7}@example.com`),
    project: { id: `proj_${i % 3}`, name: `Project ${i % 3}` },
    'project.created': { id: `proj_new_${i}`, data: { name: `n${i}`, title: `t${i}` } },
    ...extra,
  };
}

function ndjson(events: unknown[]): string {
  return `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
}

describe('ingest', () => {
  it('accepts every event type with a representative details object and reads it back unchanged', async () => {
    const before = await storedCount();
    const sent = EVENT_TYPES.map(({ type }, i) => ({
      type,
      effective_at: 1_710_000_000 + i,
      actor: i % 2 === 0 ? actors.session(`user_${i}`, `user${i}@example.com`) : actors.serviceKey(`key_${i}`, `svc_${i}`),
      project: { id: `proj_${i % 4}`, name: `P${i % 4}` },
      [type]: representativeDetails(type),
    }));
    expect(sent.length).toBe(EVENT_TYPES.length);
    const res = await server.request('POST', PATH, { body: { data: sent } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.object).toBe('list');
    expect(res.body.data.map((d: any) => [d.type, d.effective_at])).toEqual(sent.map((e) => [e.type, e.effective_at]));
    const ids: string[] = res.body.data.map((d: any) => d.id);
    for (const id of ids) expect(id).toMatch(/^audit_log-[0-9a-z]{20,}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids); // time-sortable: later ids sort later

    const stored = await readAll();
    expect(stored.size).toBe(before + sent.length);
    sent.forEach((event, i) => {
      expect(stored.get(ids[i] as string)).toEqual({ id: ids[i], ...event });
    });
    expect(contractViolations).toEqual([]);
  });

  it('a details object that is deeply nested (within the depth limit) round-trips', async () => {
    let details: Record<string, unknown> = { leaf: ['x', 1, true, null] };
    for (let i = 0; i < 20; i++) details = { [`level${i}`]: details };
    const event = { type: 'tunnel.created', effective_at: 1_700_000_001, 'tunnel.created': { id: 'tun_1', ...details } };
    const [id] = await ingest(server, [event]);
    const stored = await readAll();
    expect(stored.get(id as string)).toEqual({ id, ...event });
  });

  it('effective_at defaults to the time of ingest', async () => {
    const t0 = Math.floor(Date.now() / 1000);
    const res = await server.request('POST', PATH, { body: { data: [{ type: 'logout.succeeded' }] } });
    const t1 = Math.floor(Date.now() / 1000);
    expect(res.status).toBe(200);
    const at = res.body.data[0].effective_at;
    expect(at).toBeGreaterThanOrEqual(t0);
    expect(at).toBeLessThanOrEqual(t1);
  });

  it('one bad event at index 731 of 1000 rejects the batch, names data[731]..., stores nothing', async () => {
    const before = await storedCount();
    const bad: [string, (e: Record<string, any>) => void, string][] = [
      ['actor type', (e) => (e.actor = { type: 'robot', session: {} }), 'data[731].actor.type'],
      ['unknown type', (e) => (e.type = 'project.exploded'), 'data[731].type'],
      ['details field', (e) => (e['project.created'] = { id: 12345 }), 'data[731]["project.created"].id'],
      ['effective_at', (e) => (e.effective_at = 'yesterday'), 'data[731].effective_at'],
      ['stray key', (e) => (e['user.added'] = { id: 'x' }), 'data[731]["user.added"]'],
    ];
    for (const [what, spoil, param] of bad) {
      const events = Array.from({ length: 1000 }, (_, i) => projectEvent(i));
      spoil(events[731] as Record<string, any>);
      const res = await server.request('POST', PATH, { body: { data: events } });
      expect(res.status, what).toBe(400);
      expect(res.body.error.type).toBe('invalid_request_error');
      expect(res.body.error.param, what).toBe(param);
      expect(res.body.error.message).toContain('data[731]');
    }
    expect(await storedCount()).toBe(before);
    expect(contractViolations).toEqual([]);
  });

  it('a batch of exactly 1000 is accepted; 1001 and 0 events are a 400 naming data', async () => {
    const before = await storedCount();
    const ids = await ingest(
      server,
      Array.from({ length: 1000 }, (_, i) => projectEvent(i)),
    );
    expect(ids).toHaveLength(1000);
    for (const n of [0, 1001]) {
      const res = await server.request('POST', PATH, { body: { data: Array.from({ length: n }, (_, i) => projectEvent(i)) } });
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('data');
    }
    const missing = await server.request('POST', PATH, { body: { events: [] } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe('data');
    expect(await storedCount()).toBe(before + 1000);
  });

  it('idempotent replays: same id and content stored once; other content is a 409 naming data[i].id', async () => {
    const before = await storedCount();
    const batch = Array.from({ length: 5 }, (_, i) => projectEvent(i, { id: `client-evt-${i}` }));
    const first = await ingest(server, batch);
    expect(first).toEqual(batch.map((e) => e.id));
    const replay = await server.request('POST', PATH, { body: { data: batch } });
    expect(replay.status).toBe(200);
    expect(replay.body.data.map((d: any) => d.id)).toEqual(first);
    expect(replay.body.data.map((d: any) => d.effective_at)).toEqual(batch.map((e) => e.effective_at));
    // a replay mixed with new events stores only the new ones
    const mixed = [projectEvent(100, { id: 'client-evt-new' }), batch[2] as Record<string, unknown>, projectEvent(101)];
    const mixedIds = await ingest(server, mixed);
    expect(mixedIds[0]).toBe('client-evt-new');
    expect(mixedIds[1]).toBe('client-evt-2');
    expect(await storedCount()).toBe(before + 5 + 2);

    // same id, other content: 409 and nothing of that batch is stored
    const conflicting = [projectEvent(200, { id: 'client-evt-fresh' }), projectEvent(201), { ...(batch[3] as object), effective_at: 1_600_000_001 }];
    const res = await server.request('POST', PATH, { body: { data: conflicting } });
    expect(res.status).toBe(409);
    expect(res.body.error.param).toBe('data[2].id');
    expect(res.headers.get('x-should-retry')).toBe('false');
    const stored = await readAll();
    expect(stored.size).toBe(before + 7);
    expect(stored.has('client-evt-fresh')).toBe(false);
    expect(stored.get('client-evt-3')).toEqual({ ...batch[3] });

    // the same id twice in one batch with different content
    const twice = await server.request('POST', PATH, {
      body: { data: [projectEvent(300, { id: 'dup-in-batch' }), projectEvent(301, { id: 'dup-in-batch' })] },
    });
    expect(twice.status).toBe(409);
    expect(twice.body.error.param).toBe('data[1].id');
    // ... and with the same content it is stored once
    const same = await ingest(server, [projectEvent(5302, { id: 'dup-same' }), projectEvent(5302, { id: 'dup-same' })]);
    expect(same).toEqual(['dup-same', 'dup-same']);
    expect(await storedCount()).toBe(before + 8);
    expect(await listAllIds(server, { resource_ids: ['proj_new_5302'] })).toEqual(['dup-same']);
    expect(contractViolations).toEqual([]);
  });

  it('a malformed client id is a 400 naming data[i].id', async () => {
    const res = await server.request('POST', PATH, { body: { data: [projectEvent(1), projectEvent(2, { id: 'has space' })] } });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('data[1].id');
  });

  it('NDJSON: one event per line, same result as JSON', async () => {
    const events = Array.from({ length: 12 }, (_, i) => projectEvent(500 + i));
    const res = await server.request('POST', PATH, { rawBody: ndjson(events), contentType: 'application/x-ndjson' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const ids: string[] = res.body.data.map((d: any) => d.id);
    expect(ids).toHaveLength(12);
    const stored = await readAll();
    events.forEach((e, i) => {
      expect(stored.get(ids[i] as string)).toEqual({ id: ids[i], ...e });
    });
    // blank lines and a missing final newline are fine
    const loose = await server.request('POST', PATH, {
      rawBody: `\n${JSON.stringify(projectEvent(600))}\n\n${JSON.stringify(projectEvent(601))}`,
      contentType: 'application/x-ndjson; charset=utf-8',
    });
    expect(loose.status).toBe(200);
    expect(loose.body.data).toHaveLength(2);
  });

  it('NDJSON: a bad line names data[i] and stores nothing', async () => {
    const before = await storedCount();
    const events = Array.from({ length: 10 }, (_, i) => JSON.stringify(projectEvent(700 + i)));
    const broken = [...events];
    broken[6] = '{"type": "project.created", ';
    const res = await server.request('POST', PATH, { rawBody: broken.join('\n'), contentType: 'application/x-ndjson' });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('data[6]');
    const invalid = [...events];
    invalid[4] = JSON.stringify({ ...projectEvent(1), actor: { type: 'nobody' } });
    const res2 = await server.request('POST', PATH, { rawBody: invalid.join('\n'), contentType: 'application/x-ndjson' });
    expect(res2.status).toBe(400);
    expect(res2.body.error.param).toBe('data[4].actor.type');
    const notObject = [...events];
    notObject[2] = '[1,2]';
    const res3 = await server.request('POST', PATH, { rawBody: notObject.join('\n'), contentType: 'application/x-ndjson' });
    expect(res3.status).toBe(400);
    expect(res3.body.error.param).toBe('data[2]');
    expect(await storedCount()).toBe(before);
    expect(contractViolations).toEqual([]);
  });
});
