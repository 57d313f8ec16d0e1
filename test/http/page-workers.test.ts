/**
 * Usage and costs pages are built on reader workers (src/store/page-reads.ts: query, merge, shape and
 * JSON on the worker; the event loop only sends the bytes). The body must be byte for byte the page
 * the features build on the calling thread (queryUsage, queryCosts, serialised as Fastify does), and
 * errors raised on the worker must answer exactly as before: a bad cursor or limit is the same 400
 * naming the parameter, and on PostgreSQL a page read past its budget is the 503 query_timeout.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryCosts } from '../../src/features/costs/service.js';
import { usageKind } from '../../src/features/usage/kinds.js';
import { queryUsage } from '../../src/features/usage/query.js';
import { startServer, TEST_ENGINE, type TestServer } from '../helpers/server.js';

const DAY = 86400;
const START = 1736640000; // 2025-01-12T00:00Z
const END = START + 3 * DAY;
const NOW = END + 10 * DAY;

let server: TestServer;
let orgId: string;
beforeAll(async () => {
  server = await startServer();
  orgId = (await server.keys.authenticate(server.adminKey))?.orgId as string;
  const models = ['gpt-4o', 'gpt-4o-mini', 'o3'];
  const data = Array.from({ length: 300 }, (_, i) => ({
    created_at: START + ((i * 7919) % (3 * DAY)),
    model: models[i % 3],
    project_id: `proj_${i % 4}`,
    user_id: `user_${i % 5}`,
    batch: i % 2 === 0,
    input_tokens: 100 + i,
    output_tokens: 10 + (i % 7),
    num_model_requests: 1,
  }));
  const res = await server.request('POST', '/v1/organization/usage/completions', { body: { data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
});
afterAll(async () => {
  await server?.close();
});

async function bodyOf(path: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.adminKey}` } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('pages built on reader workers', () => {
  it('the engine builds usage and costs pages off the calling thread', () => {
    expect(typeof server.store.usage.usagePage).toBe('function');
    expect(typeof server.store.costs.costsPage).toBe('function');
  });

  it.each([
    [
      `bucket_width=1h&limit=30&group_by=model&group_by=project_id&group_by=user_id&group_by=batch`,
      { bucket_width: '1h', limit: 30, group_by: ['model', 'project_id', 'user_id', 'batch'] },
    ],
    [`bucket_width=1d&group_by=model&models=o3&models=gpt-4o`, { bucket_width: '1d', group_by: ['model'], models: ['o3', 'gpt-4o'] }],
    [`bucket_width=1m&limit=200`, { bucket_width: '1m', limit: 200 }],
  ])('usage %s: the same bytes as the page built here', async (qs, query) => {
    const got = await bodyOf(`/v1/organization/usage/completions?start_time=${START}&end_time=${END}&${qs}`);
    expect(got.status, got.text).toBe(200);
    expect(got.type).toBe('application/json; charset=utf-8');
    const q = { start_time: START, end_time: END, ...query } as Parameters<typeof queryUsage>[3];
    // The page does not depend on now once end_time is in the past.
    const here = await queryUsage(server.store, orgId, usageKind('completions'), q, NOW);
    expect(got.text).toBe(JSON.stringify(here));
    expect((JSON.parse(got.text) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });

  it('a page continued by its cursor is the same as built here', async () => {
    const first = JSON.parse((await bodyOf(`/v1/organization/usage/completions?start_time=${START}&end_time=${END}&bucket_width=1h&limit=5`)).text);
    expect(first.next_page).toEqual(expect.any(String));
    const got = await bodyOf(`/v1/organization/usage/completions?start_time=${START}&end_time=${END}&bucket_width=1h&limit=5&page=${first.next_page}`);
    const here = await queryUsage(
      server.store,
      orgId,
      usageKind('completions'),
      { start_time: START, end_time: END, bucket_width: '1h', limit: 5, page: first.next_page },
      NOW,
    );
    expect(got.text).toBe(JSON.stringify(here));
  });

  it.each([
    [`bucket_width=1d&group_by=project_id&group_by=line_item`, { group_by: ['project_id', 'line_item'] }],
    [`bucket_width=1d&limit=2&group_by=line_item`, { limit: 2, group_by: ['line_item'] }],
  ])('costs %s: the same bytes as the page built here', async (qs, query) => {
    const got = await bodyOf(`/v1/organization/costs?start_time=${START}&end_time=${END}&${qs}`);
    expect(got.status, got.text).toBe(200);
    expect(got.type).toBe('application/json; charset=utf-8');
    const here = await queryCosts(server.store, orgId, { start_time: START, end_time: END, ...query } as Parameters<typeof queryCosts>[2], NOW);
    expect(got.text).toBe(JSON.stringify(here));
    expect((JSON.parse(got.text) as { data: { results: unknown[] }[] }).data.some((b) => b.results.length > 0)).toBe(true);
  });

  it('errors raised on the worker answer as before: the 400 names its parameter', async () => {
    const cursor = await server.request('GET', `/v1/organization/usage/completions?start_time=${START}&page=not-a-cursor`);
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ type: 'invalid_request_error', param: 'page' });
    expect(cursor.headers.get('x-should-retry')).toBe('false');
    const limit = await server.request('GET', `/v1/organization/usage/completions?start_time=${START}&bucket_width=1d&limit=999`);
    expect(limit.status).toBe(400);
    expect(limit.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_value', param: 'limit' });
    const range = await server.request('GET', `/v1/organization/costs?start_time=${END}&end_time=${START}`);
    expect(range.status).toBe(400);
    expect(range.body.error).toMatchObject({ param: 'end_time' });
  });
});

describe.skipIf(TEST_ENGINE !== 'postgres')('PostgreSQL page workers keep the read budget', () => {
  let budgeted: TestServer;
  beforeAll(async () => {
    budgeted = await startServer({ readTimeoutMs: 300 });
  });
  afterAll(async () => {
    await budgeted?.close();
  });

  it('a usage page past its budget is a 503 query_timeout, and the next page succeeds', async () => {
    const locker = new pg.Client({ connectionString: budgeted.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE usage_rollups IN ACCESS EXCLUSIVE MODE');
      const res = await budgeted.request('GET', `/v1/organization/usage/completions?start_time=${START}&end_time=${END}&bucket_width=1d`);
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect(res.body.error).toMatchObject({ type: 'server_error', code: 'query_timeout' });
      expect(res.body.error.message).toContain('300 ms');
      expect((await budgeted.request('GET', '/readyz', { key: null })).status).toBe(200);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    for (let i = 0; i < 4; i++)
      expect((await budgeted.request('GET', `/v1/organization/usage/completions?start_time=${START}&end_time=${END}&bucket_width=1d`)).status).toBe(200);
  });
});
