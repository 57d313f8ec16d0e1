/** /metrics, /livez, /readyz and the per-request log line, on a real server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeChild, testSecret } from '../helpers/cli.js';
import { checkResponse } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const inner = (m[2] ?? '').slice(1, -1).split(',');
    if (want.every((w) => inner.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('metrics and health', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('counts and times requests per route and status, and reports the store', async () => {
    for (let i = 0; i < 3; i++) expect((await server.request('GET', '/v1/organization/audit_logs?limit=2')).status).toBe(200);
    expect((await server.request('GET', '/v1/organization/audit_logs', { key: 'sk-admin-not-a-key-000000000' })).status).toBe(401);
    const post = await server.request('POST', '/v1/organization/audit_logs', { body: { data: [{ type: 'login.succeeded', 'login.succeeded': {} }] } });
    expect(post.status).toBe(200);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const ok = { method: 'GET', route: '/v1/organization/audit_logs', status: '200' };
    expect(metric(text, 'orgledger_http_requests_total', ok)).toBe(3);
    expect(metric(text, 'orgledger_http_requests_total', { ...ok, status: '401' })).toBe(1);
    expect(metric(text, 'orgledger_http_requests_total', { method: 'POST', route: '/v1/organization/audit_logs', status: '200' })).toBe(1);
    expect(metric(text, 'orgledger_http_request_duration_seconds_count', ok)).toBe(3);
    expect(metric(text, 'orgledger_http_request_duration_seconds_bucket', { ...ok, le: '+Inf' })).toBe(3);
    expect(metric(text, 'orgledger_store_pending_writes')).toBe(0);
    expect(metric(text, 'orgledger_store_commit_batches_total')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'orgledger_store_commit_jobs_total')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'orgledger_store_operation_duration_seconds_count', { operation: 'listAuditEvents' })).toBe(3);
    expect(metric(text, 'orgledger_store_operation_duration_seconds_count', { operation: 'write' })).toBeGreaterThanOrEqual(1);
  });

  it('answers liveness and readiness, and readiness fails with the error envelope when the store is gone', async () => {
    expect((await server.request('GET', '/livez', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await server.request('GET', '/readyz', { key: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', engine: server.store.engine });
    expect((await server.request('GET', '/healthz', { key: null })).status).toBe(200);

    await server.store.close();
    const down = await server.request('GET', '/readyz', { key: null });
    expect(down.status).toBe(503);
    expect(checkResponse('GET', '/readyz', 503, down.body).errors).toEqual([]);
    expect(down.body.error.type).toBe('server_error');
    expect((await server.request('GET', '/healthz', { key: null })).status).toBe(503);
    expect((await server.request('GET', '/livez', { key: null })).status).toBe(200);
  });
});

describe('request log', () => {
  it('logs each request once, as JSON, with its id, method, route, status and duration', async () => {
    const key = testSecret('log');
    const data = mkdtempSync(join(tmpdir(), 'orgledger-log-'));
    const serve = await startServeChild(['--log-level', 'info', '--data', data], { ORGLEDGER_ADMIN_KEY: key });
    try {
      const res = await fetch(`${serve.url}/v1/organization/audit_logs?limit=1`, { headers: { authorization: `Bearer ${key}` } });
      const id = res.headers.get('x-request-id') as string;
      await res.text();
      let lines: any[] = [];
      for (let i = 0; i < 50 && lines.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        lines = serve
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l))
          .filter((l) => l.reqId === id);
      }
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 30, msg: 'request completed', method: 'GET', route: '/v1/organization/audit_logs', status: 200 });
      expect(typeof lines[0].duration_ms).toBe('number');
    } finally {
      await serve.kill();
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
