/**
 * Per-item limits of every ingest route (src/http/ingest-limits.ts): one item's size as JSON, and
 * times between 2000-01-01 and now plus the configured skew. A batch with one bad item is refused
 * whole with a 400 naming the item or its field; nothing of it is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AUDIT_EVENT_BYTES, MAX_USAGE_RECORD_BYTES } from '../../src/http/ingest-limits.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ maxClockSkewSeconds: 60 });
});
afterAll(async () => {
  await server.close();
});

const AUDIT = '/v1/organization/audit_logs';
const USAGE = '/v1/organization/usage/completions';
const COSTS = '/v1/organization/costs';
const now = () => Math.floor(Date.now() / 1000);

function expect400(res: { status: number; body: any }, param: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.type).toBe('invalid_request_error');
  expect(res.body.error.param).toBe(param);
}

async function count(table: string): Promise<number> {
  return Number((await server.sql(`SELECT count(*) AS n FROM ${table}`))[0].n);
}

function event(extra: Record<string, unknown> = {}) {
  return { type: 'project.created', effective_at: now() - 10, project: { id: 'proj_1', name: 'p' }, ...extra };
}

describe('size of one item', () => {
  it('an audit event over the bound is refused, naming it, and nothing of its batch is stored', async () => {
    const before = await count('audit_events');
    const big = event({ 'project.created': { id: 'proj_1', data: { name: 'x'.repeat(MAX_AUDIT_EVENT_BYTES) } } });
    expect400(await server.request('POST', AUDIT, { body: { data: [event(), big] } }), 'data[1]');
    expect(await count('audit_events')).toBe(before);
    const fits = event({ 'project.created': { id: 'proj_1', data: { name: 'x'.repeat(MAX_AUDIT_EVENT_BYTES - 1000) } } });
    const ok = await server.request('POST', AUDIT, { body: { data: [fits] } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('a usage record and a cost entry over the bound are refused', async () => {
    const record = { created_at: now() - 10, model: 'm'.repeat(MAX_USAGE_RECORD_BYTES), input_tokens: 1 };
    expect400(await server.request('POST', USAGE, { body: { data: [{ created_at: now() - 10, input_tokens: 1 }, record] } }), 'data[1]');
    expect(await count('usage_records')).toBe(0);
    const entry = { created_at: now() - 10, line_item: 'l'.repeat(MAX_USAGE_RECORD_BYTES), amount: { value: 1, currency: 'usd' } };
    expect400(await server.request('POST', COSTS, { body: { data: [entry] } }), 'data[0]');
  });
});

describe('time sanity', () => {
  it('an event beyond now plus the skew, or before 2000, is refused naming the field', async () => {
    const before = await count('audit_events');
    expect400(await server.request('POST', AUDIT, { body: { data: [event({ effective_at: 253402300799 })] } }), 'data[0].effective_at');
    expect400(await server.request('POST', AUDIT, { body: { data: [event(), event({ effective_at: now() + 3600 })] } }), 'data[1].effective_at');
    expect400(await server.request('POST', AUDIT, { body: { data: [event({ effective_at: 946684799 })] } }), 'data[0].effective_at');
    expect(await count('audit_events')).toBe(before);
    const ahead = await server.request('POST', AUDIT, { body: { data: [event({ effective_at: now() + 30 })] } });
    expect(ahead.status, JSON.stringify(ahead.body)).toBe(200);
  });

  it('usage records and cost entries likewise', async () => {
    expect400(await server.request('POST', USAGE, { body: { data: [{ created_at: now() + 3600, input_tokens: 1 }] } }), 'data[0].created_at');
    expect400(await server.request('POST', USAGE, { body: { data: [{ created_at: 1000, input_tokens: 1 }] } }), 'data[0].created_at');
    const entry = { created_at: now() + 86_400, line_item: 'x', amount: { value: 1, currency: 'usd' } };
    expect400(await server.request('POST', COSTS, { body: { data: [entry] } }), 'data[0].created_at');
  });
});
