/** GET /v1/organization/directory: names learned from audit events and admin keys, per organization. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const T = 1_767_225_600;
const byId = (data: { kind: string; id: string }[]) => new Map(data.map((e) => [`${e.kind}:${e.id}`, e]));

beforeAll(async () => {
  server = await startServer();
  const session = (id: string, email: string) => ({ type: 'session', session: { user: { id, email }, ip_address: '203.0.113.9' } });
  await ingest(server, [
    {
      type: 'project.created',
      effective_at: T,
      actor: session('user-ana', 'ana@example.com'),
      'project.created': { id: 'proj_r', data: { name: 'Research' } },
    },
    {
      type: 'api_key.created',
      effective_at: T + 10,
      actor: session('user-ana', 'ana@example.com'),
      project: { id: 'proj_r', name: 'Research' },
      'api_key.created': { id: 'key_deploy', data: { name: 'deploy-bot', scopes: ['api.model.read'] } },
    },
    {
      type: 'login.succeeded',
      effective_at: T + 20,
      actor: { type: 'api_key', api_key: { id: 'key_svc', type: 'service_account', service_account: { id: 'svc_acct_ci' } } },
      project: { id: 'proj_r' },
    },
    // Renamed later: the directory shows the current name.
    {
      type: 'project.updated',
      effective_at: T + 30,
      actor: session('user-bo', 'bo@example.com'),
      'project.updated': { id: 'proj_r', changes_requested: { title: 'Research EU' } },
    },
    { type: 'user.added', effective_at: T + 40, actor: session('user-bo', 'bo@example.com'), 'user.added': { id: 'user-cy', data: { role: 'member' } } },
  ]);
});
afterAll(async () => {
  await server.close();
});

describe('organization directory', () => {
  it('names projects, users, service accounts, API keys and admin keys from the records', async () => {
    const res = await server.request('GET', '/v1/organization/directory');
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('organization.directory');
    expect(res.body.truncated).toBe(false);
    expect(res.body.scanned_events).toBe(5);
    const dir = byId(res.body.data);
    expect(dir.get('project:proj_r')).toEqual({
      object: 'organization.directory.entry',
      kind: 'project',
      id: 'proj_r',
      name: 'Research EU',
      email: null,
      project_id: null,
      owner_id: null,
      last_seen_at: T + 30,
    });
    expect(dir.get('user:user-ana')).toMatchObject({ name: 'ana@example.com', email: 'ana@example.com', last_seen_at: T + 10 });
    expect(dir.get('user:user-cy')).toMatchObject({ name: null, last_seen_at: T + 40 });
    expect(dir.get('api_key:key_deploy')).toMatchObject({ name: 'deploy-bot', project_id: 'proj_r' });
    expect(dir.get('api_key:key_svc')).toMatchObject({ name: null, owner_id: 'svc_acct_ci', project_id: 'proj_r' });
    expect(dir.get('service_account:svc_acct_ci')).toMatchObject({ project_id: 'proj_r' });
    // The admin key the test server signs in with is orgledger's own, with its name.
    const admin = res.body.data.filter((e: { kind: string }) => e.kind === 'admin_key');
    expect(admin.length).toBeGreaterThan(0);
    const listed = (await server.request('GET', '/v1/organization/admin_api_keys?limit=100')).body.data as { id: string; name: string }[];
    expect(new Map(admin.map((e: { id: string; name: string }) => [e.id, e.name]))).toEqual(new Map(listed.map((k) => [k.id, k.name])));
  });

  it('is documented in the served OpenAPI document', async () => {
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    expect(doc.paths['/organization/directory'].get.responses['200'].content['application/json'].schema.properties.data).toBeTruthy();
  });
});
