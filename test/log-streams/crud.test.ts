/** The log-streams API on both engines: secrets shown once, list/show/remove, replay, rotation, and the usage journal's order. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const BASE = '/v1/organization/log_streams';

describe('log streams API', () => {
  it('creates a webhook stream with a generated whsec_ secret shown once, then never again', async () => {
    const made = await server.request('POST', BASE, {
      body: { name: 'siem', sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' }, records: ['audit', 'usage'] },
    });
    expect(made.status).toBe(200);
    expect(made.body.object).toBe('organization.log_stream');
    expect(made.body.sink.secret).toMatch(/^whsec_/);
    const shown = await server.request('GET', `${BASE}/${made.body.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.sink).toEqual({ type: 'webhook', url: 'http://127.0.0.1:9/hook' });
    const listed = await server.request('GET', BASE);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.sink.secret);
    expect(listed.body.data.map((s: { id: string }) => s.id)).toContain(made.body.id);
  });

  it('rejects a sink missing its required fields and a malformed secret, in the error envelope', async () => {
    const hec = await server.request('POST', BASE, { body: { name: 'x', sink: { type: 'splunk_hec', url: 'http://127.0.0.1:9' } } });
    expect(hec.status).toBe(400);
    expect(hec.body.error.param).toBe('sink.token');
    const bad = await server.request('POST', BASE, { body: { name: 'x', sink: { type: 'webhook', url: 'http://h', secret: 'nope' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('sink.secret');
  });

  it('starts at the current head, counts lag as records arrive, and replays from a sequence', async () => {
    const made = await server.request('POST', BASE, { body: { name: 'lag', sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } } });
    const start = made.body.cursor.audit;
    expect(made.body.lag.records).toBe(0);
    const posted = await server.request('POST', '/v1/organization/audit_logs', { body: { data: [{ type: 'login.succeeded' }, { type: 'login.failed' }] } });
    expect(posted.status).toBe(200);
    const after = await server.request('GET', `${BASE}/${made.body.id}`);
    expect(after.body.head.audit).toBe(start + 2);
    expect(after.body.lag.records).toBe(2);
    const replayed = await server.request('POST', `${BASE}/${made.body.id}/replay`, { body: { from_sequence: 1 } });
    expect(replayed.status).toBe(200);
    expect(replayed.body.cursor).toEqual({ audit: 0, usage: 0 });
    expect(replayed.body.lag.records).toBe(start + 2);
    const both = await server.request('POST', `${BASE}/${made.body.id}/replay`, { body: {} });
    expect(both.status).toBe(400);
  });

  it('numbers usage records in the usage journal densely, in commit order', async () => {
    const before = (await server.request('POST', BASE, { body: { name: 'u', records: ['usage'], sink: { type: 'webhook', url: 'http://h/x' } } })).body;
    const rec = (i: number) => ({ id: `journal-${i}`, input_tokens: 1, output_tokens: 1, num_model_requests: 1, model: 'gpt-4o' });
    expect((await server.request('POST', '/v1/organization/usage/completions', { body: { data: [rec(1), rec(2), rec(3)] } })).status).toBe(200);
    // A replay of the same ids inserts nothing and takes no numbers.
    expect((await server.request('POST', '/v1/organization/usage/completions', { body: { data: [rec(1)] } })).status).toBe(200);
    const after = (await server.request('GET', `${BASE}/${before.id}`)).body;
    expect(after.head.usage).toBe(before.head.usage + 3);
    expect(after.lag.records).toBe(3);
  });

  it('rotates a webhook secret (the new one shown once) and removes a stream', async () => {
    const made = (await server.request('POST', BASE, { body: { name: 'rot', sink: { type: 'webhook', url: 'http://h/x' } } })).body;
    const rotated = await server.request('POST', `${BASE}/${made.id}/rotate_secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.sink.secret).toMatch(/^whsec_/);
    expect(rotated.body.sink.secret).not.toBe(made.sink.secret);
    expect(rotated.body.sink.previous_secret).toBeUndefined();
    const removed = await server.request('DELETE', `${BASE}/${made.id}`);
    expect(removed.body).toEqual({ id: made.id, object: 'organization.log_stream.deleted', deleted: true });
    expect((await server.request('GET', `${BASE}/${made.id}`)).status).toBe(404);
  });
});
