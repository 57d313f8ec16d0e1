/**
 * Usage benchmark (issue 3):
 *  1. batched completions ingest over HTTP on SQLite (records/s; target >= 100,000);
 *  2. N completions records over 90 days (20 projects, 200 users, 400 keys, 12 models; N = 10M, or
 *     1M with --quick) written through the store write path in big batches, then p99 of the five
 *     issue queries, each beside the same query as a plain GROUP BY over the raw records.
 * Queries run through the service functions (store + merge + result objects + JSON text), not HTTP.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryCosts } from '../src/features/costs/service.js';
import { DEFAULT_ORG_ID } from '../src/features/keys/service.js';
import { type Dimension, usageKind } from '../src/features/usage/kinds.js';
import { loadPriceTable } from '../src/features/usage/price-table.js';
import { priceRecord } from '../src/features/usage/price-usage.js';
import { queryUsage } from '../src/features/usage/query.js';
import type { UsageRecord, UsageSource } from '../src/features/usage/types.js';
import { timeSortableSuffix } from '../src/lib/ids.js';
import type { Store } from '../src/store/store.js';
import { rng } from './lib/events.js';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, openBenchStore, startBenchServer } from './lib/server.js';
import { makeRecord } from './lib/usage-records.js';

const DAY = 86400;
const END = 1_775_001_600; // 2026-04-01T00:00Z
const START = END - 90 * DAY;

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path: '/v1/organization/usage/completions', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function httpIngest(quick: boolean): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-usage-http-'));
  const server = await startBenchServer(benchConfig(dir), join(dir, 'orgledger.sqlite'));
  try {
    const r = rng(7);
    const perRequest = 5000;
    const now = Math.floor(Date.now() / 1000);
    const bodies = Array.from({ length: 8 }, () =>
      JSON.stringify({ data: Array.from({ length: perRequest }, () => makeRecord(r, now - Math.floor(r() * 3600))) }),
    );
    const url = new URL(server.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    const total = quick ? 100_000 : 300_000;
    let sent = 0;
    let failed = 0;
    const client = async () => {
      while (sent < total) {
        const body = bodies[(sent / perRequest) % bodies.length] as string;
        sent += perRequest;
        if ((await post(agent, url, body)) !== 200) failed++;
      }
    };
    await post(agent, url, bodies[0] as string); // warm-up
    const t0 = performance.now();
    await Promise.all([client(), client(), client(), client()]);
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    const rate = sent / seconds;
    return {
      name: `HTTP ingest, ${perRequest}-record batches, 4 clients`,
      value: `${fmtInt(rate)} rec/s`,
      target: '>= 100,000 rec/s',
      met: rate >= 100_000 && failed === 0,
      note: `${fmtInt(sent)} records, ${failed} failed requests; client in-process`,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runUsageBench(opts: { quick: boolean }): Promise<void> {
  const figures: Figure[] = [await httpIngest(opts.quick)];
  printTable('usage: ingest', figures);

  const n = opts.quick ? 1_000_000 : 10_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-usage-'));
  const config = benchConfig(dir);
  const path = join(dir, 'orgledger.sqlite');
  const store = await openBenchStore({ ...config, sqliteSynchronous: 'NORMAL' }, path);
  try {
    await usageQueryBench(store, { records: n, quick: opts.quick, label: '', sizeMb: () => statSync(path).size / 1e6 });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Fills `store` with `records` completions records over 90 days through the store's write path (20k
 * per write), then times the five issue queries. Shared by the SQLite run and the PostgreSQL one
 * (bench/postgres.ts), which holds its queries to `targetFactor` times the SQLite targets.
 */
export async function usageQueryBench(
  store: Store,
  opts: { records: number; quick: boolean; label: string; targetFactor?: number; sizeMb?: () => Promise<number> | number },
): Promise<Figure[]> {
  const n = opts.records;
  const prices = loadPriceTable();
  const kind = usageKind('completions');
  const r = rng(42);
  const batchSize = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i += batchSize) {
    const records: UsageRecord[] = [];
    for (let j = i; j < Math.min(n, i + batchSize); j++) {
      const raw = makeRecord(r, START + Math.floor(((j + r()) * 90 * DAY) / n));
      const dims = Object.fromEntries(kind.dimensions.map((d) => [d, raw[d] ?? null])) as Record<Dimension, string | boolean | null>;
      const measures = {
        input_tokens: raw.input_tokens as number,
        input_cached_tokens: raw.input_cached_tokens as number,
        output_tokens: raw.output_tokens as number,
        num_model_requests: 1,
      };
      const m = { ...measures, input_uncached_tokens: measures.input_tokens - measures.input_cached_tokens };
      const priced = priceRecord(prices, 'completions', raw.created_at as number, dims, m);
      records.push({
        id: `usage_${timeSortableSuffix()}`,
        createdAt: raw.created_at as number,
        dims,
        measures: m,
        contentHash: null,
        priceId: priced?.priceId ?? null,
        costs: priced?.costs ?? [],
      });
    }
    await store.write((tx) => tx.usage.insertUsage({ orgId: DEFAULT_ORG_ID, kind: 'completions', records }));
    if ((i / batchSize) % 50 === 0) progress(`generated ${fmtInt(i + records.length)} / ${fmtInt(n)} records`);
  }
  const genSeconds = (performance.now() - t0) / 1000;
  const sizeMb = opts.sizeMb ? await opts.sizeMb() : undefined;
  const fill: Figure = {
    name: 'generation through store.write (20k batches)',
    value: `${fmtInt(n / genSeconds)} rec/s`,
    target: '',
    note: `${genSeconds.toFixed(0)} s${sizeMb === undefined ? '' : `, ${sizeMb.toFixed(0)} MB`}`,
  };
  printTable(`usage: ${fmtInt(n)} completions records over 90 days${opts.quick ? ' (quick)' : ''}${opts.label}`, [fill]);
  return [fill, ...(await runQueries(store, r, opts.quick, opts.targetFactor ?? 1, opts.label))];
}

interface QueryCase {
  name: string;
  target: number;
  run(start: number): Promise<unknown>;
  /** The same question as one plain GROUP BY over the raw records. */
  baseline(start: number): Promise<unknown>;
  span: number;
}

async function runQueries(store: Store, r: () => number, quick: boolean, factor: number, label: string): Promise<Figure[]> {
  const kind = usageKind('completions');
  const org = DEFAULT_ORG_ID;
  const usage = (start: number, width: '1d' | '1h' | '1m', limit: number, groupBy: string[]) =>
    queryUsage(
      store,
      org,
      kind,
      { start_time: start, end_time: start + limit * { '1d': DAY, '1h': 3600, '1m': 60 }[width], bucket_width: width, limit, group_by: groupBy },
      END,
    ).then((p) => JSON.stringify(p));
  const raw = (start: number, width: number, buckets: number, groupBy: Dimension[], source: UsageSource = 'raw') =>
    store.usage.queryUsage({ orgId: org, kind: 'completions', source, from: start, to: start + buckets * width, origin: start, width, groupBy, filters: {} });
  const all: Dimension[] = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'];
  const cases: QueryCase[] = [
    {
      name: '30 daily buckets by project_id+model',
      target: 20,
      span: 30 * DAY,
      run: (s) => usage(s, '1d', 30, ['project_id', 'model']),
      baseline: (s) => raw(s, DAY, 30, ['project_id', 'model']),
    },
    {
      name: '168 hourly buckets by project_id',
      target: 50,
      span: 7 * DAY,
      run: (s) => usage(s, '1h', 168, ['project_id']),
      baseline: (s) => raw(s, 3600, 168, ['project_id']),
    },
    { name: '24 hourly buckets by all six dimensions', target: 150, span: DAY, run: (s) => usage(s, '1h', 24, all), baseline: (s) => raw(s, 3600, 24, all) },
    { name: '1440 minute buckets of one day', target: 300, span: DAY, run: (s) => usage(s, '1m', 1440, []), baseline: (s) => raw(s, 60, 1440, []) },
    {
      name: '30 daily cost buckets by line_item',
      target: 20,
      span: 30 * DAY,
      run: (s) => queryCosts(store, org, { start_time: s, end_time: s + 30 * DAY, limit: 30, group_by: ['line_item'] }, END).then((p) => JSON.stringify(p)),
      // raw records carry no cost columns: the raw equivalent groups tokens by what prices them
      baseline: (s) => raw(s, DAY, 30, ['model', 'batch', 'service_tier']),
    },
  ];
  const runs = quick ? 20 : 40;
  const baselineRuns = quick ? 3 : 5;
  const figures: Figure[] = [];
  for (const c of cases) {
    const starts = Array.from({ length: runs }, () => START + Math.floor((r() * (90 * DAY - c.span)) / DAY) * DAY);
    await c.run(starts[0] as number);
    const ms: number[] = [];
    for (const s of starts) {
      const t = performance.now();
      await c.run(s);
      ms.push(performance.now() - t);
    }
    const base: number[] = [];
    for (const s of starts.slice(0, baselineRuns)) {
      const t = performance.now();
      await c.baseline(s);
      base.push(performance.now() - t);
    }
    const p99 = latencySummary(ms).p99;
    const baseP50 = latencySummary(base).p50;
    figures.push({
      name: c.name,
      value: `p99 ${fmtMs(p99)}`,
      target: `<= ${c.target * factor} ms${factor === 1 ? '' : ` (${factor}x SQLite's)`}`,
      met: p99 <= c.target * factor,
      note: `raw GROUP BY p50 ${fmtMs(baseP50)}, raw/served ${fmtRatio(baseP50 / p99)}; ${runs} runs`,
    });
    progress(`${c.name}: p99 ${fmtMs(p99)}`);
  }
  printTable(`usage: query latency (service path, result JSON included) vs plain GROUP BY over raw${label}`, figures);
  return figures;
}
