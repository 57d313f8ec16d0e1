/**
 * Buckets follow the UTC grid of their width, as OpenAI's do (its cookbook: a 1d query started at
 * 1736616660 answers 1736616660 -> 1736640000 -> 1736726400): only the first bucket is cut by
 * start_time. The planner still reads the rollups for the aligned body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageWindow, plan } from '../../src/features/usage/buckets.js';
import { contractViolations } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

const START = 1736616660; // 2025-01-11T17:31:00Z, the cookbook's start_time
const DAY1 = 1736640000; // 2025-01-12T00:00Z
const DAY2 = 1736726400;
const DAY3 = DAY2 + 86400;

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe('bucket grid', () => {
  const window = (start: number, end: number | undefined, width: number, limit = 100, now = DAY3 + 5000) =>
    pageWindow({ start, end, width, limit, page: undefined, now, identity: {} });

  it('cuts only the first bucket at an unaligned start_time (the cookbook example)', () => {
    const w = window(START, DAY3, 86400);
    expect(w.buckets).toEqual([
      { start: START, end: DAY1 },
      { start: DAY1, end: DAY2 },
      { start: DAY2, end: DAY3 },
    ]);
    expect(window(START + 30, START + 7200, 3600).buckets.map((b) => b.start)).toEqual([START + 30, START - 1860 + 3600, START - 1860 + 7200]);
    expect(window(START + 7, START + 150, 60).buckets).toEqual([
      { start: START + 7, end: START + 60 },
      { start: START + 60, end: START + 120 },
      { start: START + 120, end: START + 150 },
    ]);
  });

  it('without end_time runs to the end of the grid bucket holding now', () => {
    const w = window(START, undefined, 86400, 100, DAY2 + 10);
    expect(w.buckets.at(-1)).toEqual({ start: DAY2, end: DAY3 });
  });

  it('reads raw then hourly rollups for the short first day, the daily rollup for whole days', () => {
    const w = window(START, DAY3 + 5400 + 7, 86400);
    expect(plan(w)).toEqual([
      { source: 'raw', from: START, to: START + 1740, origin: START },
      { source: '1h', from: START + 1740, to: DAY1, origin: START },
      { source: '1d', from: DAY1, to: DAY3, origin: 0 },
      { source: '1h', from: DAY3, to: DAY3 + 3600, origin: 0 },
      { source: 'raw', from: DAY3 + 3600, to: DAY3 + 5407, origin: 0 },
    ]);
    // An hourly query off the hour: raw for the short first hour, hourly rollup after it.
    expect(plan(window(START, DAY1, 3600))).toEqual([
      { source: 'raw', from: START, to: START + 1740, origin: START },
      { source: '1h', from: START + 1740, to: DAY1, origin: 0 },
    ]);
  });
});

describe('usage over HTTP on the UTC grid', () => {
  const times = [START - 1, START, START + 100, DAY1 - 1, DAY1, DAY1 + 3600, DAY2 - 1, DAY2, DAY2 + 86399, DAY3];
  beforeAll(async () => {
    const data = times.map((t, i) => ({ created_at: t, model: 'gpt-4o', input_tokens: 10 ** i, output_tokens: 1 }));
    const res = await server.request('POST', '/v1/organization/usage/completions', { body: { data } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  /** What the raw records hold for [from, to): input_tokens encodes which records were counted. */
  const rawTotal = (from: number, to: number) => times.reduce((sum, t, i) => (t >= from && t < to ? sum + 10 ** i : sum), 0);

  it('answers the cookbook query with per-UTC-day totals equal to the raw records', async () => {
    const res = await server.request('GET', `/v1/organization/usage/completions?start_time=${START}&end_time=${DAY3}&bucket_width=1d`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const buckets = res.body.data as { start_time: number; end_time: number; results: { input_tokens: number }[] }[];
    expect(buckets.map((b) => b.start_time)).toEqual([START, DAY1, DAY2]);
    expect(buckets.map((b) => b.end_time)).toEqual([DAY1, DAY2, DAY3]);
    for (const b of buckets) expect(b.results[0]?.input_tokens ?? 0).toBe(rawTotal(b.start_time, b.end_time));
    expect(buckets[1]?.results[0]?.input_tokens).toBe(rawTotal(DAY1, DAY2));
    expect(contractViolations).toEqual([]);
  });

  it('pages the same buckets one at a time, with valid cursors', async () => {
    const seen: { start_time: number; input: number }[] = [];
    let page: string | null = null;
    for (let i = 0; i < 10; i++) {
      const res = await server.request(
        'GET',
        `/v1/organization/usage/completions?start_time=${START}&end_time=${DAY3 + 60}&bucket_width=1d&limit=1${page ? `&page=${page}` : ''}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const b of res.body.data) seen.push({ start_time: b.start_time, input: b.results[0]?.input_tokens ?? 0 });
      page = res.body.next_page;
      if (!res.body.has_more) break;
    }
    expect(seen).toEqual([
      { start_time: START, input: rawTotal(START, DAY1) },
      { start_time: DAY1, input: rawTotal(DAY1, DAY2) },
      { start_time: DAY2, input: rawTotal(DAY2, DAY3) },
      { start_time: DAY3, input: rawTotal(DAY3, DAY3 + 60) },
    ]);
  });

  it('puts hourly buckets on the hour after a short first one', async () => {
    const res = await server.request('GET', `/v1/organization/usage/completions?start_time=${DAY1 - 1800}&end_time=${DAY1 + 7200}&bucket_width=1h`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((b: { start_time: number }) => b.start_time)).toEqual([DAY1 - 1800, DAY1, DAY1 + 3600]);
    expect(res.body.data.map((b: { results: { input_tokens: number }[] }) => b.results[0]?.input_tokens ?? 0)).toEqual([
      rawTotal(DAY1 - 1800, DAY1),
      rawTotal(DAY1, DAY1 + 3600),
      rawTotal(DAY1 + 3600, DAY1 + 7200),
    ]);
  });
});
