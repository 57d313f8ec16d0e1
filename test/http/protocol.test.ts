/**
 * Hostile and broken requests: a clear 4xx OpenAI envelope, never a 500, and the server keeps serving.
 * Every response carries x-request-id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let small: TestServer;
const PATH = '/v1/organization/audit_logs';
const BODY_LIMIT = 4096;

beforeAll(async () => {
  server = await startServer();
  small = await startServer({ bodyLimitBytes: BODY_LIMIT });
});
afterAll(async () => {
  await server.close();
  await small.close();
});

function expectEnvelope(res: { status: number; headers: Headers; body: any }, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('x-request-id')).toBeTruthy();
  expect(typeof res.body.error.message).toBe('string');
  expect(res.body.error.message).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack traces
  expect(res.body.error).toHaveProperty('param');
  expect(res.body.error).toHaveProperty('code');
  expect(res.body.error.type).toBe('invalid_request_error');
}

async function stillAlive(s: TestServer) {
  const health = await s.request('GET', '/healthz', { key: null });
  expect(health.status).toBe(200);
  const ids = await ingest(s, [{ type: 'login.succeeded', effective_at: 1_700_000_000 }]);
  expect(ids).toHaveLength(1);
  const listed = await s.request('GET', `${PATH}?limit=1`);
  expect(listed.status).toBe(200);
}

describe('broken request bodies', () => {
  it('malformed JSON', async () => {
    for (const raw of ['{"data": [', '{data: []}', 'nul', '{"data": [1,]}', '\u0000\u0001']) {
      const res = await server.request('POST', PATH, { rawBody: raw });
      expectEnvelope(res, 400);
    }
    await stillAlive(server);
  });

  it('JSON that is not an object with data', async () => {
    for (const body of [[], 'text', 42, null, { data: 'x' }, { data: {} }]) {
      const res = await server.request('POST', PATH, { rawBody: JSON.stringify(body) });
      expectEnvelope(res, 400);
    }
  });

  it('wrong content types', async () => {
    for (const contentType of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
      const res = await server.request('POST', PATH, { rawBody: '{"data":[{"type":"login.succeeded"}]}', contentType });
      expectEnvelope(res, 415);
    }
    await stillAlive(server);
  });

  it('empty body', async () => {
    const json = await server.request('POST', PATH, { rawBody: '' });
    expectEnvelope(json, 400);
    const blank = await server.request('POST', PATH, { rawBody: '   \n' });
    expectEnvelope(blank, 400);
    const nd = await server.request('POST', PATH, { rawBody: '', contentType: 'application/x-ndjson' });
    expect(nd.status).toBeGreaterThanOrEqual(400);
    expect(nd.status).toBeLessThan(500);
    const none = await server.request('POST', PATH, {});
    expect(none.status).toBeGreaterThanOrEqual(400);
    expect(none.status).toBeLessThan(500);
    await stillAlive(server);
  });

  it('oversized body: 413 at the configured limit, smaller bodies still accepted', async () => {
    const event = { type: 'project.created', 'project.created': { id: 'p', data: { name: 'x'.repeat(BODY_LIMIT) } } };
    const big = await small.request('POST', PATH, { body: { data: [event] }, key: small.adminKey });
    expectEnvelope(big, 413);
    const bigNd = await small.request('POST', PATH, { rawBody: JSON.stringify(event), contentType: 'application/x-ndjson', key: small.adminKey });
    expectEnvelope(bigNd, 413);
    await stillAlive(small);
  });

  it('deeply nested JSON (depth 10000) is a 400, not a crash', async () => {
    const deep = `{"data":[{"type":"tunnel.created","tunnel.created":${'['.repeat(10000)}${']'.repeat(10000)}}]}`;
    expectEnvelope(await server.request('POST', PATH, { rawBody: deep }), 400);
    const deepObj = `${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}`;
    expectEnvelope(await server.request('POST', PATH, { rawBody: deepObj }), 400);
    const deepNd = await server.request('POST', PATH, {
      rawBody: `${JSON.stringify({ type: 'login.failed' })}\n${'['.repeat(10000)}`,
      contentType: 'application/x-ndjson',
    });
    expectEnvelope(deepNd, 400);
    expect(deepNd.body.error.param).toBe('data[1]');
    await stillAlive(server);
  });

  it('a __proto__ key is refused without polluting anything', async () => {
    const res = await server.request('POST', PATH, {
      rawBody: '{"data":[{"type":"tunnel.created","tunnel.created":{"__proto__":{"polluted":true}}}]}',
    });
    expectEnvelope(res, 400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a body on a GET and junk in the query string do not break the list', async () => {
    const res = await server.request('GET', `${PATH}?%zz=1&limit=2&&=&x[=1`);
    expect(res.status).toBeLessThan(500);
  });
});

describe('routes and headers', () => {
  it('unknown routes and methods: 404 envelope', async () => {
    for (const [method, path] of [
      ['GET', '/v1/organization/nothing'],
      ['GET', '/nope'],
      ['PUT', PATH],
      ['PATCH', '/v1/organization/admin_api_keys/key_1'],
    ] as const) {
      const res = await server.request(method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.type).toBe('invalid_request_error');
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
  });

  it('the bare /organization/... path without /v1 works too', async () => {
    const res = await server.request('GET', '/organization/audit_logs?limit=1');
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
  });

  it('every response has a distinct x-request-id; a client-sent one is echoed', async () => {
    const seen = new Set<string>();
    for (const path of ['/healthz', '/openapi.json', PATH, '/nope']) {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      const id = res.headers.get('x-request-id');
      expect(id, path).toBeTruthy();
      seen.add(id as string);
    }
    expect(seen.size).toBe(4);
    const echoed = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'req_client_chosen_1' } });
    expect(echoed.headers.get('x-request-id')).toBe('req_client_chosen_1');
  });

  it('the server publishes its OpenAPI document with the OpenAI operations and the ingest extension', async () => {
    const res = await server.request('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.body.paths);
    expect(paths.some((p) => p.endsWith('/organization/audit_logs'))).toBe(true);
    expect(paths.some((p) => p.includes('/organization/admin_api_keys'))).toBe(true);
    const auditPath = paths.find((p) => p.endsWith('/organization/audit_logs')) as string;
    expect(Object.keys(res.body.paths[auditPath])).toEqual(expect.arrayContaining(['get', 'post']));
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
