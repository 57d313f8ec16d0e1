/**
 * Fairness under hostile load (issue 11): a store with the demo plus 200k completions records (all in
 * the last 24 hours, so the heaviest legal queries find the most rows), served by a spawned
 * `orgledger serve` (its own process, so its peak RSS is its own). 8 clients of one key loop the two
 * heaviest legal reads the issue names:
 *   - usage completions, bucket_width=1m, limit=1440, grouped by all six dimensions;
 *   - costs over 180 days grouped by project_id, line_item and api_key_id;
 * meanwhile /healthz and another organization's 1-event audit ingest are probed every 50 ms each.
 * Prints the probes' p99 and the server's peak RSS (VmHWM) beside the issue's targets, on SQLite and,
 * when ORGLEDGER_BENCH_DATABASE_URL or ORGLEDGER_TEST_DATABASE_URL is set, on PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runDemo } from '../src/cli/demo.js';
import { DEFAULT_ORG_ID, KeyService } from '../src/features/keys/service.js';
import { type Dimension, usageKind } from '../src/features/usage/kinds.js';
import { loadPriceTable } from '../src/features/usage/price-table.js';
import { priceRecord } from '../src/features/usage/price-usage.js';
import type { UsageRecord } from '../src/features/usage/types.js';
import { systemClock } from '../src/lib/clock.js';
import { timeSortableSuffix } from '../src/lib/ids.js';
import { openStore, storeReady } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { makeBatch, population, rng } from './lib/events.js';
import { type Figure, fmtInt, fmtMs, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig } from './lib/server.js';
import { makeRecord } from './lib/usage-records.js';
import { spawnServer, stopServer } from './postgres.js';

const DAY = 86400;
const CLIENTS = 8;
const PROBE_EVERY_MS = 50;
const ALL_DIMS = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'];

interface Sizes {
  records: number;
  demoDays: number;
  demoPeople: number;
  seconds: number;
}
const FULL: Sizes = { records: 200_000, demoDays: 90, demoPeople: 200, seconds: 30 };
const QUICK: Sizes = { records: 200_000, demoDays: 30, demoPeople: 50, seconds: 12 };

/** The demo in the default organization, `n` completions records in the last day, and a second organization. */
async function fill(store: Store, sizes: Sizes, now: number): Promise<{ otherKey: string }> {
  const keys = new KeyService(store, systemClock);
  await keys.bootstrap(BENCH_ADMIN_KEY);
  const prices = loadPriceTable();
  progress(`demo (${sizes.demoDays} days, ${sizes.demoPeople} people)`);
  await runDemo(store, keys, prices, { days: sizes.demoDays, seed: 1, people: sizes.demoPeople, end: now });
  const kind = usageKind('completions');
  const r = rng(42);
  const from = now - DAY;
  for (let i = 0; i < sizes.records; i += 20_000) {
    const records: UsageRecord[] = [];
    for (let j = i; j < Math.min(sizes.records, i + 20_000); j++) {
      const raw = makeRecord(r, from + Math.floor(((j + r()) * DAY) / sizes.records));
      const dims = Object.fromEntries(kind.dimensions.map((d) => [d, raw[d] ?? null])) as Record<Dimension, string | boolean | null>;
      const input = raw.input_tokens as number;
      const cached = raw.input_cached_tokens as number;
      const m = {
        input_tokens: input,
        input_cached_tokens: cached,
        output_tokens: raw.output_tokens as number,
        num_model_requests: 1,
        input_uncached_tokens: input - cached,
      };
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
  }
  progress(`${fmtInt(sizes.records)} completions records in the last 24 h`);
  const other = await keys.createOrganization('fairness-other-tenant');
  return { otherKey: other.key.secret };
}

function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

interface Answer {
  status: number;
  bytes: number;
  ms: number;
  retryAfter: number;
}

function send(agent: Agent, base: URL, key: string, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const headers: Record<string, string | number> = { authorization: `Bearer ${key}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = request({ agent, host: base.hostname, port: base.port, method, path, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0, retryAfter: Number(res.headers['retry-after'] ?? 0) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface HeavyStats {
  path: string;
  ms: number[];
  maxBytes: number;
  statuses: Record<string, number>;
}

async function loadPhase(url: string, otherKey: string, now: number, seconds: number, label: string): Promise<Figure[]> {
  const base = new URL(url);
  const dayStart = now - DAY;
  const groups = (dims: string[]) => dims.map((d) => `group_by=${d}`).join('&');
  const heavy: HeavyStats[] = [
    { path: `/v1/organization/usage/completions?start_time=${dayStart}&bucket_width=1m&limit=1440&${groups(ALL_DIMS)}`, ms: [], maxBytes: 0, statuses: {} },
    {
      path: `/v1/organization/costs?start_time=${now - 180 * DAY}&bucket_width=1d&limit=180&${groups(['project_id', 'line_item', 'api_key_id'])}`,
      ms: [],
      maxBytes: 0,
      statuses: {},
    },
  ];
  const heavyAgent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const probeAgent = new Agent({ keepAlive: true, maxSockets: 2 });
  const pop = population(3);
  const r = rng(5);
  // Baselines on the idle server first.
  const idle = { health: [] as number[], ingest: [] as number[] };
  for (let i = 0; i < 40; i++) {
    idle.health.push((await send(probeAgent, base, BENCH_ADMIN_KEY, 'GET', '/healthz')).ms);
    idle.ingest.push((await send(probeAgent, base, otherKey, 'POST', '/v1/organization/audit_logs', JSON.stringify({ data: makeBatch(r, pop, 1) }))).ms);
  }
  const deadline = performance.now() + seconds * 1000;
  const client = async (i: number) => {
    for (let n = i; performance.now() < deadline; n++) {
      const h = heavy[n % heavy.length] as HeavyStats;
      const a = await send(heavyAgent, base, BENCH_ADMIN_KEY, 'GET', h.path);
      h.statuses[a.status] = (h.statuses[a.status] ?? 0) + 1;
      if (a.status === 200) {
        h.ms.push(a.ms);
        h.maxBytes = Math.max(h.maxBytes, a.bytes);
      } else if (a.status === 429) await new Promise((res) => setTimeout(res, a.retryAfter * 1000));
    }
  };
  const probe = async (fn: () => Promise<Answer>, into: number[], statuses: Record<string, number>) => {
    while (performance.now() < deadline) {
      const a = await fn();
      into.push(a.ms);
      statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      await new Promise((res) => setTimeout(res, PROBE_EVERY_MS));
    }
  };
  const health: number[] = [];
  const ingest: number[] = [];
  const hs: Record<string, number> = {};
  const is: Record<string, number> = {};
  progress(`${CLIENTS} clients looping the heaviest reads for ${seconds} s`);
  await Promise.all([
    ...Array.from({ length: CLIENTS }, (_, i) => client(i)),
    probe(() => send(probeAgent, base, BENCH_ADMIN_KEY, 'GET', '/healthz'), health, hs),
    probe(() => send(probeAgent, base, otherKey, 'POST', '/v1/organization/audit_logs', JSON.stringify({ data: makeBatch(r, pop, 1) })), ingest, is),
  ]);
  heavyAgent.destroy();
  probeAgent.destroy();
  const st = (s: Record<string, number>) =>
    Object.entries(s)
      .map(([k, v]) => `${k}x${v}`)
      .join(' ');
  const h = latencySummary(health);
  const g = latencySummary(ingest);
  const figures: Figure[] = [
    {
      name: `/healthz p99 under load${label}`,
      value: fmtMs(h.p99),
      target: '<= 100 ms',
      met: h.p99 <= 100,
      note: `p50 ${fmtMs(h.p50)} max ${fmtMs(h.max)}; idle p99 ${fmtMs(latencySummary(idle.health).p99)}; ${st(hs)}`,
    },
    {
      name: `other org's 1-event ingest ack p99${label}`,
      value: fmtMs(g.p99),
      target: '<= 50 ms',
      met: g.p99 <= 50,
      note: `p50 ${fmtMs(g.p50)} max ${fmtMs(g.max)}; idle p99 ${fmtMs(latencySummary(idle.ingest).p99)}; ${st(is)}`,
    },
  ];
  for (const [i, x] of heavy.entries()) {
    const l = latencySummary(x.ms.length ? x.ms : [Number.NaN]);
    figures.push({
      name: i === 0 ? `usage 1m x1440 by all 6 dims${label}` : `costs 180 d by project+line item+key${label}`,
      value: `p50 ${fmtMs(l.p50)}`,
      target: '(load)',
      note: `p99 ${fmtMs(l.p99)}, largest response ${(x.maxBytes / 1e6).toFixed(1)} MB; ${st(x.statuses)}`,
    });
  }
  return figures;
}

async function runEngine(engine: 'sqlite' | 'postgres', sizes: Sizes, baseUrl?: string): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), `orgledger-bench-fairness-${engine}-`));
  let databaseUrl = join(dir, 'orgledger.sqlite');
  let drop = async () => {};
  if (engine === 'postgres' && baseUrl) {
    const name = `orgledger_bench_fairness_${process.pid}`;
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(baseUrl);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: baseUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    };
  }
  try {
    const now = Math.floor(Date.now() / 1000 / 60) * 60 - 60;
    const store = openStore({ ...benchConfig(dir), databaseUrl, pgConnectWaitSeconds: 5 });
    await storeReady(store);
    const { otherKey } = await fill(store, sizes, now);
    await store.close();
    const server = await spawnServer(databaseUrl, dir);
    try {
      const figures = await loadPhase(server.url, otherKey, now, sizes.seconds, ` (${engine})`);
      const rss = peakRssMb(server.child.pid as number);
      figures.push({ name: `server peak RSS (VmHWM) (${engine})`, value: `${fmtInt(rss)} MB`, target: 'bounded (stated)', note: 'whole run incl. start' });
      return figures;
    } finally {
      await stopServer(server.child);
    }
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runFairnessBench(opts: { quick: boolean }): Promise<void> {
  const sizes = opts.quick ? QUICK : FULL;
  printTable('fairness: SQLite', await runEngine('sqlite', sizes));
  const pgUrl = process.env.ORGLEDGER_BENCH_DATABASE_URL ?? process.env.ORGLEDGER_TEST_DATABASE_URL;
  if (pgUrl) printTable('fairness: PostgreSQL', await runEngine('postgres', sizes, pgUrl));
  else progress('PostgreSQL skipped: set ORGLEDGER_TEST_DATABASE_URL');
}
