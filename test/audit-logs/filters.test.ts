/**
 * Every list filter of GET /v1/organization/audit_logs, alone and combined, through the openai SDK's
 * auto-pagination, against an oracle computed from the events this test ingested.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { actors, expectedIds, ingest, type ListFilter, listAllIds, type Recorded, representativeDetails, seeded } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const recorded: Recorded[] = [];
const BASE = 1_750_000_000;
const TYPES = ['project.created', 'project.updated', 'api_key.created', 'user.added', 'login.succeeded', 'service_account.created'];
const TENANT = ['role.bound_to_resource', 'tenant.user.added'];
const PROJECTS = ['proj_a', 'proj_b', 'proj_c'];

function makeEvent(rng: ReturnType<typeof seeded>, i: number): Record<string, any> {
  const type = rng.next() < 0.1 ? rng.pick(TENANT) : rng.pick(TYPES);
  const u = rng.int(6);
  const k = rng.int(4);
  const actorKind = rng.int(5);
  const actor =
    actorKind === 0
      ? actors.session(`user_${u}`, `u${u}@example.com`)
      : actorKind === 1
        ? actors.userKey(`key_${k}`, `user_${u}`, `u${u}@example.com`)
        : actorKind === 2
          ? actors.serviceKey(`key_${k}`, `svc_${k}`)
          : actorKind === 3
            ? actors.session(`user_${u}`)
            : undefined;
  const event: Record<string, any> = {
    type,
    // Few distinct times: many ties, which must order by append position.
    effective_at: BASE + rng.int(25),
    [type]: representativeDetails(type, `res_${rng.int(12)}`),
  };
  if (actor) event.actor = actor;
  if (rng.next() < 0.8) event.project = { id: rng.pick(PROJECTS), name: `project ${i}` };
  return event;
}

beforeAll(async () => {
  server = await startServer();
  const rng = seeded(20240601);
  const events = Array.from({ length: 320 }, (_, i) => makeEvent(rng, i));
  for (let start = 0; start < events.length; start += 64) {
    const batch = events.slice(start, start + 64);
    const ids = await ingest(server, batch);
    batch.forEach((event, j) => {
      recorded.push({ id: ids[j] as string, seq: recorded.length, event });
    });
  }
});
afterAll(async () => {
  await server.close();
});

/** Lists through the SDK (two page sizes) and compares with the oracle; returns the expected ids. */
async function check(filter: ListFilter): Promise<string[]> {
  const expected = expectedIds(recorded, filter);
  expect(await listAllIds(server, { ...filter, limit: 100 })).toEqual(expected);
  expect(await listAllIds(server, { ...filter, limit: 13 })).toEqual(expected);
  return expected;
}

const NON_TENANT_TOTAL = () => expectedIds(recorded, {}).length;

describe('audit log filters through the SDK', () => {
  it('no filter lists every non-tenant event newest first', async () => {
    const all = await check({});
    expect(all.length).toBeGreaterThan(200);
    expect(all.length).toBeLessThan(recorded.length); // tenant-scoped ones are hidden
  });

  it.each([
    ['gt', { gt: BASE + 10 }],
    ['gte', { gte: BASE + 10 }],
    ['lt', { lt: BASE + 10 }],
    ['lte', { lte: BASE + 10 }],
    ['gte+lt', { gte: BASE + 5, lt: BASE + 8 }],
    ['gt+lte', { gt: BASE + 5, lte: BASE + 8 }],
    ['empty range', { gt: BASE + 8, lt: BASE + 9 }],
  ])('effective_at %s', async (_name, range) => {
    const ids = await check({ effective_at: range });
    expect(ids.length).toBeLessThan(NON_TENANT_TOTAL());
  });

  it('gt and gte differ exactly by the events at the bound', async () => {
    const gt = await check({ effective_at: { gt: BASE + 12 } });
    const gte = await check({ effective_at: { gte: BASE + 12 } });
    const at = await check({ effective_at: { gte: BASE + 12, lte: BASE + 12 } });
    expect(at.length).toBeGreaterThan(0);
    expect(gte.length).toBe(gt.length + at.length);
  });

  it('project_ids', async () => {
    const one = await check({ project_ids: ['proj_b'] });
    const two = await check({ project_ids: ['proj_b', 'proj_c'] });
    expect(one.length).toBeGreaterThan(0);
    expect(two.length).toBeGreaterThan(one.length);
  });

  it('event_types', async () => {
    expect((await check({ event_types: ['project.created'] })).length).toBeGreaterThan(0);
    expect((await check({ event_types: ['login.succeeded', 'user.added'] })).length).toBeGreaterThan(0);
    expect(await check({ event_types: ['group.created'] })).toEqual([]);
  });

  it('actor_ids matches the session user id', async () => {
    const ids = await check({ actor_ids: ['user_2'] });
    const sessions = recorded.filter((r) => r.event.actor?.type === 'session' && r.event.actor.session.user.id === 'user_2');
    expect(sessions.length).toBeGreaterThan(0);
    expect(ids).toEqual(expect.arrayContaining(sessions.filter((r) => !TENANT.includes(r.event.type)).map((r) => r.id)));
  });

  it('actor_ids matches the api key id', async () => {
    const ids = await check({ actor_ids: ['key_1'] });
    const byKey = recorded.filter((r) => r.event.actor?.api_key?.id === 'key_1' && !TENANT.includes(r.event.type));
    expect(byKey.length).toBeGreaterThan(0);
    expect(ids.sort()).toEqual(byKey.map((r) => r.id).sort());
  });

  it("actor_ids matches the api key's user id", async () => {
    const ids = await check({ actor_ids: ['user_3'] });
    expect(recorded.some((r) => r.event.actor?.api_key?.user?.id === 'user_3' && ids.includes(r.id))).toBe(true);
  });

  it('actor_ids matches the service account id', async () => {
    const ids = await check({ actor_ids: ['svc_0'] });
    const bySvc = recorded.filter((r) => r.event.actor?.api_key?.service_account?.id === 'svc_0' && !TENANT.includes(r.event.type));
    expect(bySvc.length).toBeGreaterThan(0);
    expect(ids.sort()).toEqual(bySvc.map((r) => r.id).sort());
  });

  it('actor_emails matches session and api-key users, never actors without email', async () => {
    const ids = await check({ actor_emails: ['u1@example.com', 'u4@example.com'] });
    expect(ids.length).toBeGreaterThan(0);
    expect(await check({ actor_emails: ['nobody@example.com'] })).toEqual([]);
  });

  it('resource_ids matches the id of the details object', async () => {
    const ids = await check({ resource_ids: ['res_3'] });
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const r = recorded.find((x) => x.id === id) as Recorded;
      expect(r.event[r.event.type].id).toBe('res_3');
    }
  });

  it('combined filters intersect', async () => {
    const combos: ListFilter[] = [
      { project_ids: ['proj_a'], event_types: ['project.created', 'project.updated'] },
      { actor_ids: ['user_1', 'key_2'], effective_at: { gte: BASE + 3, lt: BASE + 20 } },
      { actor_emails: ['u0@example.com', 'u5@example.com'], project_ids: ['proj_a', 'proj_c'], resource_ids: ['res_1', 'res_2', 'res_5', 'res_7'] },
      {
        event_types: ['api_key.created', 'user.added', 'project.created'],
        actor_ids: ['svc_1', 'user_0', 'key_3'],
        project_ids: ['proj_b', 'proj_c'],
        effective_at: { gt: BASE + 2, lte: BASE + 22 },
      },
    ];
    let nonEmpty = 0;
    for (const filter of combos) {
      const ids = await check(filter);
      if (ids.length > 0) nonEmpty++;
      expect(ids.length).toBeLessThan(NON_TENANT_TOTAL());
    }
    expect(nonEmpty).toBeGreaterThanOrEqual(3);
  });

  it('tenant-scoped types are hidden by default and shown only with tenant_only=true', async () => {
    const tenantEvents = recorded.filter((r) => TENANT.includes(r.event.type));
    expect(tenantEvents.length).toBeGreaterThan(0);
    const hidden = await check({ event_types: TENANT });
    expect(hidden).toEqual([]);
    const shown = await check({ tenant_only: true });
    expect(shown.sort()).toEqual(tenantEvents.map((r) => r.id).sort());
    expect((await check({ tenant_only: true, event_types: ['tenant.user.added'] })).length).toBeGreaterThan(0);
    expect((await check({ tenant_only: true, project_ids: ['proj_a'] })).length).toBeLessThanOrEqual(shown.length);
    // a mixed list without tenant_only keeps only the non-tenant type
    const mixed = await check({ event_types: ['tenant.user.added', 'project.created'] });
    expect(mixed).toEqual(expectedIds(recorded, { event_types: ['project.created'] }));
  });

  it('tenant_only=true with a non-tenant event type is a 400 naming event_types', async () => {
    const err = await server
      .client()
      .admin.organization.auditLogs.list({ tenant_only: true, event_types: ['tenant.user.added', 'project.created'] } as any)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('event_types');
  });

  it('an empty result has null cursors and has_more false', async () => {
    const res = await server.request('GET', '/v1/organization/audit_logs?project_ids[]=proj_none');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});

describe('array encodings on the wire', () => {
  const path = (qs: string) => `/v1/organization/audit_logs?limit=100&${qs}`;
  /** The first page (limit 100); has_more must say whether the filter matches more than that. */
  async function idsOf(qs: string, want: string[]): Promise<string[]> {
    const res = await server.request('GET', path(qs));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.has_more).toBe(want.length > 100);
    return res.body.data.map((e: { id: string }) => e.id);
  }
  const expected = () => expectedIds(recorded, { project_ids: ['proj_a', 'proj_c'] });

  it('x[]= literal brackets', async () => {
    expect(await idsOf('project_ids[]=proj_a&project_ids[]=proj_c', expected())).toEqual(expected().slice(0, 100));
  });
  it('x%5B%5D= encoded brackets (the SDK form)', async () => {
    expect(await idsOf('project_ids%5B%5D=proj_a&project_ids%5B%5D=proj_c', expected())).toEqual(expected().slice(0, 100));
  });
  it('x=a&x=b repeated plain names', async () => {
    expect(await idsOf('project_ids=proj_a&project_ids=proj_c', expected())).toEqual(expected().slice(0, 100));
  });
  it('a single plain x=a', async () => {
    const want = expectedIds(recorded, { project_ids: ['proj_a'] });
    expect(await idsOf('project_ids=proj_a', want)).toEqual(want.slice(0, 100));
  });
  it('x[0]= indices with more than 20 values', async () => {
    const values = [...Array.from({ length: 30 }, (_, i) => `res_missing_${i}`), 'res_4', 'res_9'];
    const qs = values.map((v, i) => `resource_ids%5B${i}%5D=${v}`).join('&');
    const want = expectedIds(recorded, { resource_ids: values });
    const ids = await idsOf(qs, want);
    expect(ids).toEqual(want.slice(0, 100));
    expect(ids.length).toBeGreaterThan(0);
  });
  it('more than 20 values in each form and through the SDK', async () => {
    const values = [...Array.from({ length: 40 }, (_, i) => `user_x${i}`), 'user_1', 'svc_2'];
    const want = expectedIds(recorded, { actor_ids: values });
    expect(want.length).toBeGreaterThan(0);
    expect(await idsOf(values.map((v) => `actor_ids[]=${v}`).join('&'), want)).toEqual(want.slice(0, 100));
    expect(await idsOf(values.map((v) => `actor_ids=${v}`).join('&'), want)).toEqual(want.slice(0, 100));
    expect(await listAllIds(server, { actor_ids: values, limit: 50 })).toEqual(want);
  });
  it('effective_at[gte] as literal and encoded brackets', async () => {
    const want = expectedIds(recorded, { effective_at: { gte: BASE + 20 } });
    expect(await idsOf(`effective_at[gte]=${BASE + 20}`, want)).toEqual(want.slice(0, 100));
    expect(await idsOf(`effective_at%5Bgte%5D=${BASE + 20}`, want)).toEqual(want.slice(0, 100));
  });
  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
