/**
 * The four /v1/organization/admin_api_keys operations through the openai SDK, the scopes extension,
 * and the audit trail of key changes.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { ingest } from '../helpers/events.js';
import { SDKS, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let bootstrapKeyId: string;
beforeAll(async () => {
  server = await startServer();
  const record = await server.keys.authenticate(server.adminKey);
  if (!record) throw new Error('no bootstrap key');
  bootstrapKeyId = record.id;
});
afterAll(async () => {
  await server.close();
});

const keysApi = (key?: string) => server.client(key).admin.organization.adminAPIKeys;

async function allKeys(params: Record<string, unknown> = {}, key?: string) {
  const out: OpenAI.Admin.Organization.AdminAPIKey[] = [];
  for await (const k of keysApi(key).list(params as any)) out.push(k);
  return out;
}

// The core CRUD runs with both SDK versions (6.49.0 and the newest), so drift between them shows.
describe.each(SDKS)('admin API keys through $name', (sdk) => {
  const client = (key?: string) => server.sdkClient(sdk, key);
  const keysApi = (key?: string) => client(key).admin.organization.adminAPIKeys;
  async function allKeys(params: Record<string, unknown> = {}, key?: string) {
    const out: { id: string; created_at: number }[] = [];
    for await (const k of keysApi(key).list(params as any)) out.push(k);
    return out;
  }

  it('create returns the secret once with a redacted value; retrieve and list never show it', async () => {
    const created = await keysApi().create({ name: 'ci', expires_in_seconds: 3600 });
    expect(created.object).toBe('organization.admin_api_key');
    expect(created.value).toMatch(/^sk-admin-[A-Za-z0-9]{20,}$/);
    expect(created.redacted_value).toBe(`sk-admin...${created.value.slice(-3)}`);
    expect(created.name).toBe('ci');
    expect(created.expires_at).toBe(created.created_at + 3600);
    const me = await keysApi().retrieve(bootstrapKeyId);
    expect(created.owner).toEqual(me.owner); // a key made by a key belongs to the same owner

    const fetched = await keysApi().retrieve(created.id);
    expect(fetched).not.toHaveProperty('value');
    const { value: _secret, ...withoutValue } = created;
    expect(fetched).toMatchObject({ ...withoutValue, last_used_at: null });
    const listed = (await allKeys({ limit: 100 })).find((k) => k.id === created.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(await server.request('GET', '/v1/organization/admin_api_keys?limit=100'))).not.toContain(created.value);
    expect(await server.store.keys.findAdminKeyByHash(created.value)).toBeNull(); // only a hash is stored
  });

  it('list pages with after/order/limit and auto-pagination sees every key once', async () => {
    const made: string[] = [];
    for (let i = 0; i < 11; i++) made.push((await keysApi().create({ name: `page-${i}` })).id);
    const asc = await allKeys({ limit: 3 });
    const ascIds = asc.map((k) => k.id);
    expect(new Set(ascIds).size).toBe(ascIds.length);
    expect(ascIds).toEqual(expect.arrayContaining([bootstrapKeyId, ...made]));
    // creation order: created_at, then the time-sortable id
    const sorted = [...asc].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1)).map((k) => k.id);
    expect(ascIds).toEqual(sorted);
    expect(ascIds.indexOf(made[0] as string)).toBeLessThan(ascIds.indexOf(made[10] as string));

    const desc = await allKeys({ limit: 4, order: 'desc' });
    expect(desc.map((k) => k.id)).toEqual([...ascIds].reverse());
    expect((await allKeys({ limit: 100 })).map((k) => k.id)).toEqual(ascIds);

    // raw pages: exact cursors
    const p1 = await server.request('GET', '/v1/organization/admin_api_keys?limit=5&order=asc');
    expect(p1.body.data.map((k: any) => k.id)).toEqual(ascIds.slice(0, 5));
    expect(p1.body.first_id).toBe(ascIds[0]);
    expect(p1.body.last_id).toBe(ascIds[4]);
    expect(p1.body.has_more).toBe(true);
    const p2 = await server.request('GET', `/v1/organization/admin_api_keys?limit=5&after=${p1.body.last_id}`);
    expect(p2.body.data.map((k: any) => k.id)).toEqual(ascIds.slice(5, 10));
    const lastPage = await server.request('GET', `/v1/organization/admin_api_keys?limit=100&after=${ascIds[ascIds.length - 2]}`);
    expect(lastPage.body).toMatchObject({ has_more: false, first_id: ascIds[ascIds.length - 1], last_id: ascIds[ascIds.length - 1] });
    const first = await keysApi().list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.hasNextPage()).toBe(true);
  });

  it('the created key works; after delete it gets 401, retrieve is 404, and it leaves the list', async () => {
    const created = await keysApi().create({ name: 'short-lived' });
    const logs = await client(created.value).admin.organization.auditLogs.list({ limit: 1 });
    expect(logs.data.length).toBeGreaterThanOrEqual(0);
    const deleted = await keysApi().delete(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'organization.admin_api_key.deleted', deleted: true });
    await expect(keysApi().retrieve(created.id)).rejects.toBeInstanceOf(sdk.Client.NotFoundError);
    await expect(keysApi().delete(created.id)).rejects.toBeInstanceOf(sdk.Client.NotFoundError);
    await expect(client(created.value).admin.organization.auditLogs.list()).rejects.toBeInstanceOf(sdk.Client.AuthenticationError);
    expect((await allKeys({ limit: 100 })).map((k) => k.id)).not.toContain(created.id);
  });

  it('a key may delete itself, and then it is gone', async () => {
    const created = await keysApi().create({ name: 'self-destruct' });
    await keysApi(created.value).delete(created.id);
    await expect(keysApi(created.value).list()).rejects.toBeInstanceOf(sdk.Client.AuthenticationError);
  });
});

describe('admin API keys through the SDK', () => {
  it('scopes: a write-only key ingests but cannot list or manage keys', async () => {
    const writer = await keysApi().create({ name: 'gateway', scopes: ['audit_logs.write'] } as any);
    expect((writer as any).scopes).toEqual(['audit_logs.write']);
    expect(((await keysApi().retrieve(writer.id)) as any).scopes).toEqual(['audit_logs.write']);
    const ids = await ingest(server, [{ type: 'login.succeeded' }], writer.value);
    expect(ids).toHaveLength(1);
    const err = await server
      .client(writer.value)
      .admin.organization.auditLogs.list()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as any).status).toBe(403);
    await expect(keysApi(writer.value).create({ name: 'escalate' })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);

    const reader = await keysApi().create({ name: 'reader', scopes: ['audit_logs.read'] } as any);
    expect((await server.client(reader.value).admin.organization.auditLogs.list({ limit: 5 })).data.length).toBeGreaterThan(0);
    const post = await server.request('POST', '/v1/organization/audit_logs', { key: reader.value, body: { data: [{ type: 'login.failed' }] } });
    expect(post.status).toBe(403);
    // default scopes: all of them
    const full = await keysApi().create({ name: 'full' });
    expect((full as any).scopes).toEqual(expect.arrayContaining(['audit_logs.read', 'audit_logs.write', 'usage.read', 'usage.write', 'admin_api_keys.manage']));
  });

  it('a key grants only scopes it holds: more is a 403 naming what it lacks; omitted scopes are its own', async () => {
    const manager = await keysApi().create({ name: 'manager', scopes: ['admin_api_keys.manage', 'usage.read'] } as any);
    const res = await server.request('POST', '/v1/organization/admin_api_keys', {
      key: manager.value,
      body: { name: 'escalated', scopes: ['admin_api_keys.manage', 'audit_logs.read', 'usage.write'] },
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'insufficient_permissions', param: 'scopes' });
    expect(res.body.error.message).toContain('audit_logs.read, usage.write');
    expect(res.body.error.message).not.toContain('usage.read');
    const err = await keysApi(manager.value)
      .create({ name: 'all five', scopes: ['audit_logs.read', 'audit_logs.write', 'usage.read', 'usage.write', 'admin_api_keys.manage'] } as any)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    // nothing was created by the refused requests
    expect((await allKeys({ limit: 100 })).map((k) => k.name)).not.toContain('escalated');

    const narrower = await keysApi(manager.value).create({ name: 'narrower', scopes: ['usage.read'] } as any);
    expect((narrower as any).scopes).toEqual(['usage.read']);
    const defaulted = await keysApi(manager.value).create({ name: 'defaulted' });
    expect((defaulted as any).scopes).toEqual(['usage.read', 'admin_api_keys.manage']);
    // and the defaulted key cannot escalate either
    const again = await server.request('POST', '/v1/organization/admin_api_keys', { key: defaulted.value, body: { name: 'x', scopes: ['usage.write'] } });
    expect(again.status).toBe(403);
  });

  it('key create and delete are audit-logged with details.id = the key and actor = the calling key', async () => {
    const created = await keysApi().create({ name: 'audited', scopes: ['usage.read'] } as any);
    await keysApi().delete(created.id);
    const events: any[] = [];
    for await (const log of server.client().admin.organization.auditLogs.list({ resource_ids: [created.id] })) events.push(log);
    expect(events.map((e) => e.type)).toEqual(['api_key.deleted', 'api_key.created']);
    const [deletedEvt, createdEvt] = events;
    expect(createdEvt['api_key.created'].id).toBe(created.id);
    expect(createdEvt['api_key.created'].data.scopes).toEqual(['usage.read']);
    expect(deletedEvt['api_key.deleted'].id).toBe(created.id);
    const me = await keysApi().retrieve(bootstrapKeyId);
    for (const e of events) {
      expect(e.actor.type).toBe('api_key');
      expect(e.actor.api_key.id).toBe(bootstrapKeyId);
      expect(e.actor.api_key.type).toBe(me.owner.type);
      if (me.owner.type === 'service_account') expect(e.actor.api_key.service_account.id).toBe(me.owner.id);
      expect(Math.abs(e.effective_at - created.created_at)).toBeLessThan(600);
    }
    // the calling key is findable as the actor, the key's id as the resource
    const byActor: string[] = [];
    for await (const log of server.client().admin.organization.auditLogs.list({ actor_ids: [bootstrapKeyId], event_types: ['api_key.deleted'] }))
      byActor.push(log.id);
    expect(byActor).toContain(deletedEvt.id);

    // a key acting on another key is the actor of that change
    const second = await keysApi().create({ name: 'second admin' });
    const victim = await keysApi(second.value).create({ name: 'victim' });
    await keysApi(second.value).delete(victim.id);
    const trail: any[] = [];
    for await (const log of server.client().admin.organization.auditLogs.list({ resource_ids: [victim.id] })) trail.push(log);
    expect(trail.map((e) => [e.type, e.actor.api_key.id])).toEqual([
      ['api_key.deleted', second.id],
      ['api_key.created', second.id],
    ]);
  });

  it('last_used_at is recorded once a key is used', async () => {
    const created = await keysApi().create({ name: 'used' });
    expect((await keysApi().retrieve(created.id)).last_used_at).toBeNull();
    await server.client(created.value).admin.organization.auditLogs.list({ limit: 1 });
    // the touch is written in the background: poll (bounded) for it rather than assume a delay
    let lastUsed: number | null | undefined = null;
    for (let i = 0; i < 100 && !lastUsed; i++) {
      lastUsed = (await keysApi().retrieve(created.id)).last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(lastUsed).toBeGreaterThanOrEqual(created.created_at);
    expect(lastUsed).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('a failed delete (unknown id) leaves no audit event', async () => {
    await expect(keysApi().delete('key_never_existed')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const found = await server.client().admin.organization.auditLogs.list({ resource_ids: ['key_never_existed'] });
    expect(found.data).toEqual([]);
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
