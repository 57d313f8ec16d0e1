/**
 * Auth for every route of audit logs and admin keys: the shared matrix (no key, wrong key, revoked
 * key, missing scope), and isolation between organizations.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthRoute, describeAuthMatrix } from '../helpers/auth-matrix.js';
import { contractViolations } from '../helpers/contract.js';
import { ingest, listAllIds } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await ingest(server, [
    { type: 'project.created', 'project.created': { id: 'proj_default' } },
    { type: 'user.added', 'user.added': { id: 'user_default' } },
  ]);
});
afterAll(async () => {
  await server.close();
});

async function freshKeyId(s: TestServer): Promise<string> {
  return (await s.client().admin.organization.adminAPIKeys.create({ name: 'target' })).id;
}

const ROUTES: AuthRoute[] = [
  { method: 'GET', template: '/organization/audit_logs', scope: 'audit_logs.read', prepare: async () => ({ path: '/v1/organization/audit_logs?limit=5' }) },
  {
    method: 'POST',
    template: '/organization/audit_logs',
    scope: 'audit_logs.write',
    prepare: async () => ({ path: '/v1/organization/audit_logs', body: { data: [{ type: 'login.succeeded' }] } }),
  },
  {
    method: 'GET',
    template: '/organization/admin_api_keys',
    scope: 'admin_api_keys.manage',
    prepare: async () => ({ path: '/v1/organization/admin_api_keys?limit=2' }),
  },
  {
    method: 'POST',
    template: '/organization/admin_api_keys',
    scope: 'admin_api_keys.manage',
    prepare: async () => ({ path: '/v1/organization/admin_api_keys', body: { name: 'made' } }),
  },
  {
    method: 'GET',
    template: '/organization/admin_api_keys/{key_id}',
    scope: 'admin_api_keys.manage',
    prepare: async (s) => ({ path: `/v1/organization/admin_api_keys/${await freshKeyId(s)}` }),
  },
  {
    method: 'DELETE',
    template: '/organization/admin_api_keys/{key_id}',
    scope: 'admin_api_keys.manage',
    prepare: async (s) => ({ path: `/v1/organization/admin_api_keys/${await freshKeyId(s)}` }),
  },
];

describe('auth matrix for every route', () => {
  describeAuthMatrix(() => server, ROUTES);

  it('the matrix covers every authenticated operation the server publishes for audit logs and admin keys', async () => {
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    const published: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!/\/organization\/(audit_logs|admin_api_keys)/.test(path)) continue;
      for (const method of Object.keys(ops)) if (['get', 'post', 'delete', 'put', 'patch'].includes(method)) published.push(`${method.toUpperCase()} ${path}`);
    }
    expect(published.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.template}`).sort());
  });

  it('public routes need no key', async () => {
    expect((await server.request('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await server.request('GET', '/openapi.json', { key: null })).status).toBe(200);
  });
});

describe("another organization's key", () => {
  let otherKey: string;
  let otherOrgId: string;
  let defaultKeyIds: string[];
  let defaultEventIds: string[];

  beforeAll(async () => {
    const other = await server.keys.createOrganization('other');
    otherKey = other.key.secret;
    otherOrgId = other.org.id;
    defaultKeyIds = [];
    for await (const k of server.client().admin.organization.adminAPIKeys.list({ limit: 100 })) defaultKeyIds.push(k.id);
    defaultEventIds = await listAllIds(server, { limit: 100 });
    expect(defaultEventIds.length).toBeGreaterThan(0);
  });

  it('sees none of org-default events, and its own events stay out of org-default', async () => {
    expect(otherOrgId).not.toBe('org-default');
    expect(await listAllIds(server, { limit: 100 }, otherKey)).toEqual([]);
    expect(await listAllIds(server, { resource_ids: ['proj_default'] }, otherKey)).toEqual([]);
    const mine = await ingest(server, [{ type: 'project.created', 'project.created': { id: 'proj_other' } }], otherKey);
    expect(await listAllIds(server, {}, otherKey)).toEqual(mine);
    expect(await listAllIds(server, { resource_ids: ['proj_other'] })).toEqual([]);
  });

  it("cannot use org-default's event ids as cursors", async () => {
    const err = await server
      .client(otherKey)
      .admin.organization.auditLogs.list({ after: defaultEventIds[0] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as any).param).toBe('after');
  });

  it("sees none of org-default's keys and 404s on them; org-default's keys keep working", async () => {
    const api = server.client(otherKey).admin.organization.adminAPIKeys;
    const visible: string[] = [];
    for await (const k of api.list({ limit: 100 })) visible.push(k.id);
    expect(visible.length).toBeGreaterThan(0);
    for (const id of defaultKeyIds) expect(visible).not.toContain(id);
    const target = defaultKeyIds[0] as string;
    await expect(api.retrieve(target)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(api.delete(target)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect((await server.client().admin.organization.adminAPIKeys.retrieve(target)).id).toBe(target);
    // and the reverse: org-default cannot see a key the other org creates
    const theirs = await api.create({ name: 'theirs' });
    await expect(server.client().admin.organization.adminAPIKeys.retrieve(theirs.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    await expect(server.client().admin.organization.adminAPIKeys.delete(theirs.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect((await api.retrieve(theirs.id)).id).toBe(theirs.id);
    // its key events are logged in its own organization only
    expect(await listAllIds(server, { resource_ids: [theirs.id] })).toEqual([]);
    expect(await listAllIds(server, { resource_ids: [theirs.id] }, otherKey)).toHaveLength(1);
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
