/**
 * One bucket holding more results than a page may (MAX_RESULTS_PER_PAGE): the next_page cursor
 * continues inside the bucket, so every page is bounded, and a client that follows next_page with the
 * openai SDK (usage and costs are single requests in the SDK: callers loop on has_more / next_page)
 * collects every result exactly once; each response validates against the OpenAI spec (contractFetch).
 * On a real listener, on SQLite and (postgres project) PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RESULTS_PER_PAGE } from '../../src/features/usage/buckets.js';
import { contractViolations } from '../helpers/contract.js';
import { SDKS, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const DAY = 86400;
const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const USERS = MAX_RESULTS_PER_PAGE * 2 + 345;
const PROJECTS = MAX_RESULTS_PER_PAGE + 123;

beforeAll(async () => {
  server = await startServer();
  // Day 0: USERS distinct users (one bucket of 1d grouped by user_id); day 1: 3 more; in batches of 10,000.
  const records = Array.from({ length: USERS }, (_, i) => ({
    id: `big-${i}`,
    created_at: T0 + (i % 3600),
    user_id: `user-${i}`,
    model: 'gpt-4o',
    input_tokens: 1 + (i % 7),
    output_tokens: 1,
  }));
  records.push(
    ...[0, 1, 2].map((i) => ({ id: `day1-${i}`, created_at: T0 + DAY + i, user_id: `user-${i}`, model: 'gpt-4o', input_tokens: 5, output_tokens: 1 })),
  );
  for (let i = 0; i < records.length; i += 10_000) {
    const res = await server.request('POST', '/v1/organization/usage/completions', { body: { data: records.slice(i, i + 10_000) } });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  }
  const entries = Array.from({ length: PROJECTS }, (_, i) => ({
    id: `cost-${i}`,
    created_at: T0 + 100 * DAY + (i % 3600),
    project_id: `proj_${i}`,
    line_item: 'support',
    amount: { value: 0.5, currency: 'usd' },
  }));
  for (let i = 0; i < entries.length; i += 10_000) {
    const res = await server.request('POST', '/v1/organization/costs', { body: { data: entries.slice(i, i + 10_000) } });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
  }
}, 180_000);
afterAll(async () => {
  await server.close();
});

describe.each(SDKS)('with $name', (sdk) => {
  it('usage: a bucket of 20,345 groups comes in pages of at most 10,000 results, each group exactly once', async () => {
    const usage = server.sdkClient(sdk).admin.organization.usage as any;
    const params = { start_time: T0, end_time: T0 + 2 * DAY, bucket_width: '1d', group_by: ['user_id'], limit: 2 };
    const seen = new Map<string, number>();
    const sizes: number[] = [];
    const day0Pages: number[] = [];
    let tokens = 0;
    let page = await usage.completions(params);
    for (let n = 0; ; n++) {
      sizes.push(page.data.reduce((a: number, b: any) => a + b.results.length, 0));
      for (const b of page.data) {
        if (b.start_time === T0) day0Pages.push(n);
        for (const r of b.results) {
          const k = `${b.start_time}/${r.user_id}`;
          seen.set(k, (seen.get(k) ?? 0) + 1);
          tokens += r.input_tokens;
        }
      }
      if (!page.has_more) break;
      expect(typeof page.next_page).toBe('string');
      page = await usage.completions({ ...params, page: page.next_page });
    }
    expect(page.next_page).toBeNull();
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_RESULTS_PER_PAGE);
    // The first day's bucket spans three pages (10,000 + 10,000 + 345, then day 1's 3 results).
    expect(new Set(day0Pages).size).toBe(3);
    expect(seen.size).toBe(USERS + 3);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    const expectedTokens = Array.from({ length: USERS }, (_, i) => 1 + (i % 7)).reduce((a, b) => a + b, 0) + 15;
    expect(tokens).toBe(expectedTokens);
    expect(contractViolations).toEqual([]);
  });

  it('costs: a day of 10,123 projects continues inside the bucket', async () => {
    const costs = server.sdkClient(sdk).admin.organization.usage as any;
    const params = { start_time: T0 + 100 * DAY, end_time: T0 + 101 * DAY, group_by: ['project_id', 'line_item'] };
    const seen = new Set<string>();
    let results = 0;
    let pages = 0;
    let page = await costs.costs(params);
    for (;;) {
      pages++;
      for (const b of page.data)
        for (const r of b.results) {
          seen.add(r.project_id);
          results++;
          expect(r.amount.value).toBeCloseTo(0.5);
        }
      if (!page.has_more) break;
      page = await costs.costs({ ...params, page: page.next_page });
    }
    expect(pages).toBe(2);
    expect(results).toBe(PROJECTS);
    expect(seen.size).toBe(PROJECTS);
    expect(contractViolations).toEqual([]);
  });
});

it('a next_page cursor from inside a bucket is refused (400 on page) by another query', async () => {
  const first = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + DAY}&group_by=user_id`);
  expect(first.status).toBe(200);
  const cursor = (first.body as { next_page: string }).next_page;
  expect(cursor).toMatch(/^page_/);
  const other = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + DAY}&group_by=model&page=${cursor}`);
  expect(other.status).toBe(400);
  expect((other.body as { error: { param: string } }).error.param).toBe('page');
});
