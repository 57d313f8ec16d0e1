/**
 * Auth for every authenticated route, generated from the app's own route table: the shared matrix
 * (no key, wrong key, revoked key, missing scope, only that scope), and isolation between organizations.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scope } from '../../src/features/keys/types.js';
import { usageKinds } from '../../src/features/usage/kinds.js';
import { type AuthRoute, describeAuthMatrix } from '../helpers/auth-matrix.js';
import { contractViolations } from '../helpers/contract.js';
import { ingest, listAllIds } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { getBytes, splitBundle } from '../ledger/helpers.js';

// Started at collection time: the matrix below is generated from this app's own route table.
const server: TestServer = await startServer();
beforeAll(async () => {
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

type Sample = AuthRoute['prepare'];

async function freshStreamId(s: TestServer): Promise<string> {
  const res = await s.request('POST', '/v1/organization/log_streams', { body: { name: 'target', sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } } });
  return res.body.id;
}

/** A request that succeeds, for every authenticated route; a route missing here fails the test below. */
const SAMPLES: Record<string, Sample> = {
  'GET /v1/organization/audit_logs': async () => ({ path: '/v1/organization/audit_logs?limit=5' }),
  'POST /v1/organization/audit_logs': async () => ({ path: '/v1/organization/audit_logs', body: { data: [{ type: 'login.succeeded' }] } }),
  'GET /v1/organization/admin_api_keys': async () => ({ path: '/v1/organization/admin_api_keys?limit=2' }),
  'POST /v1/organization/admin_api_keys': async () => ({ path: '/v1/organization/admin_api_keys', body: { name: 'made' } }),
  'GET /v1/organization/admin_api_keys/:key_id': async (s) => ({ path: `/v1/organization/admin_api_keys/${await freshKeyId(s)}` }),
  'DELETE /v1/organization/admin_api_keys/:key_id': async (s) => ({ path: `/v1/organization/admin_api_keys/${await freshKeyId(s)}` }),
  'GET /v1/organization/costs': async () => ({ path: `/v1/organization/costs?start_time=${DAY_AGO}` }),
  'POST /v1/organization/costs': async () => ({
    path: '/v1/organization/costs',
    body: { data: [{ line_item: 'support plan', amount: { value: 1, currency: 'usd' } }] },
  }),
  'GET /v1/organization/costs/unpriced': async () => ({ path: '/v1/organization/costs/unpriced' }),
  'GET /v1/organization/log_streams': async () => ({ path: '/v1/organization/log_streams' }),
  'POST /v1/organization/log_streams': async () => ({
    path: '/v1/organization/log_streams',
    body: { name: 'made', sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
  }),
  'GET /v1/organization/log_streams/:stream_id': async (s) => ({ path: `/v1/organization/log_streams/${await freshStreamId(s)}` }),
  'DELETE /v1/organization/log_streams/:stream_id': async (s) => ({ path: `/v1/organization/log_streams/${await freshStreamId(s)}` }),
  'POST /v1/organization/log_streams/:stream_id/replay': async (s) => ({
    path: `/v1/organization/log_streams/${await freshStreamId(s)}/replay`,
    body: { from_sequence: 1 },
  }),
  'POST /v1/organization/log_streams/:stream_id/rotate_secret': async (s) => ({ path: `/v1/organization/log_streams/${await freshStreamId(s)}/rotate_secret` }),
  'GET /v1/organization/ledger': async () => ({ path: '/v1/organization/ledger' }),
  'GET /v1/organization/ledger/retention': async () => ({ path: '/v1/organization/ledger/retention' }),
  'POST /v1/organization/ledger/retention': async () => ({ path: '/v1/organization/ledger/retention', body: { usage_seconds: 0 } }),
  'POST /v1/traces': async () => ({ path: '/v1/traces', body: { resourceSpans: [] } }),
  // follow=false: the stream ends after the backlog, so the matrix reads a whole response.
  'GET /v1/organization/audit_logs/stream': async () => ({ path: '/v1/organization/audit_logs/stream?follow=false&last_event_id=0' }),
  'GET /v1/organization/directory': async () => ({ path: '/v1/organization/directory' }),
  'GET /v1/organization/audit_logs/counts': async () => ({ path: '/v1/organization/audit_logs/counts?event_types[]=login.failed&start_time=0&end_time=86400' }),
  'GET /v1/organization/sync': async () => ({ path: '/v1/organization/sync' }),
  'GET /v1/organization/audit_logs/:audit_log_id/provenance': async (s) => {
    const [id] = await ingest(s, [{ type: 'login.succeeded' }]);
    return { path: `/v1/organization/audit_logs/${id}/provenance` };
  },
};
// The ledger's routes: each log's leaves exist (audit events above, one usage record) and are checkpointed.
for (const log of ['audit', 'usage']) {
  const signed = async (s: TestServer) => {
    if (log === 'usage')
      await s.request('POST', '/v1/organization/costs', { body: { data: [{ line_item: 'ledger leaf', amount: { value: 1, currency: 'usd' } }] } });
    await s.app.services.ledger.checkpointNow();
  };
  const base = `/v1/organization/ledger/${log}`;
  const after = (path: string) => async (s: TestServer) => {
    await signed(s);
    return { path };
  };
  SAMPLES[`GET ${base}/checkpoint`] = after(`${base}/checkpoint`);
  SAMPLES[`GET ${base}/tile/*`] = after(`${base}/tile/entries/000.p/1`);
  SAMPLES[`GET ${base}/proof/consistency`] = after(`${base}/proof/consistency?first=1&second=1`);
  // Nothing is pruned in this store: past the scope check the answer is 404 (test/ledger/retention.test.ts reads a pruned one).
  SAMPLES[`GET ${base}/pruned`] = async () => ({ path: `${base}/pruned` });
  SAMPLES[`GET ${base}/proof/inclusion`] = async (s) => {
    await signed(s);
    const leaf = splitBundle((await getBytes(s, `${base}/tile/entries/000.p/1`)).bytes)[0] as Buffer;
    return { path: `${base}/proof/inclusion?id=${JSON.parse(leaf.toString()).id}` };
  };
}
const DAY_AGO = Math.floor(Date.now() / 1000) - 86400;
for (const kind of usageKinds().values()) {
  const record = Object.fromEntries(kind.requiredMeasures.filter((m) => m !== 'num_model_requests').map((m) => [m, 1]));
  SAMPLES[`GET /v1/organization/usage/${kind.name}`] = async () => ({ path: `/v1/organization/usage/${kind.name}?start_time=${DAY_AGO}` });
  SAMPLES[`POST /v1/organization/usage/${kind.name}`] = async () => ({ path: `/v1/organization/usage/${kind.name}`, body: { data: [record] } });
}

const scoped = server.app.routeTable.filter((r) => r.scope !== undefined);
const ROUTES: AuthRoute[] = scoped
  .filter((r) => SAMPLES[`${r.method} ${r.url}`])
  .map((r) => ({
    method: r.method,
    template: r.url
      .replace(/^\/v1/, '')
      .replace(/:(\w+)/g, '{$1}')
      .replace(/\/tile\/\*$/, '/tile/{tile_path}'),
    scope: r.scope as Scope,
    prepare: SAMPLES[`${r.method} ${r.url}`] as Sample,
    ...(r.url.endsWith('/pruned') ? { okStatus: 404 } : {}),
  }));

describe('auth matrix for every route', () => {
  describeAuthMatrix(() => server, ROUTES);

  it('covers every authenticated route of the app (a new route needs a sample request above)', () => {
    expect(scoped.length).toBeGreaterThanOrEqual(29);
    expect(scoped.map((r) => `${r.method} ${r.url}`).filter((r) => !SAMPLES[r])).toEqual([]);
  });

  it('every route without a scope is a known public one (a new route cannot skip auth by forgetting its scope)', () => {
    // The console routes exist only when the console is built (dist/console).
    const PUBLIC = ['GET /openapi.json', 'GET /livez', 'GET /readyz', 'GET /healthz', 'GET /metrics', 'GET /', 'GET /*'];
    const unscoped = server.app.routeTable.filter((r) => r.scope === undefined).map((r) => `${r.method} ${r.url}`);
    expect(unscoped.filter((r) => !PUBLIC.includes(r))).toEqual([]);
    expect(unscoped).toContain('GET /healthz');
  });

  it('the server publishes every authenticated route in its OpenAPI document, and no other', async () => {
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    const published: string[] = [];
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
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

  it("404s on the provenance of org-default's events, in the OpenAI envelope", async () => {
    const target = defaultEventIds[0] as string;
    const res = await server.request('GET', `/v1/organization/audit_logs/${target}/provenance`, { key: otherKey });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found', param: 'audit_log_id' });
    expect((await server.request('GET', `/v1/organization/audit_logs/${target}/provenance`)).status).toBe(200);
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
