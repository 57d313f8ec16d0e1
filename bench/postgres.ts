/**
 * `npm run bench -- --engine postgres`: the PostgreSQL figures of issue 4, on the database named by
 * ORGLEDGER_BENCH_DATABASE_URL (or ORGLEDGER_TEST_DATABASE_URL), a server where the bench may create
 * and drop databases (each phase gets a fresh one, dropped after):
 *  1. batched audit ingest over HTTP (load from a separate process), one in-process server;
 *  2. batched completions usage ingest over HTTP (5000-record requests);
 *  3. audit list p50/p99 with N events stored (1M; 100k with --quick);
 *  4. audit ingest with 2 orgledger processes (spawned `orgledger serve`) on one database against 1,
 *     the same total load;
 *  5. the usage suite's fill (10M completions records; 1M with --quick) and its five queries, held to
 *     twice the SQLite targets (issue 4).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import type { ListAuditLogsQuery } from '../src/features/audit-logs/schemas.js';
import { AuditLogService } from '../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID, KeyService } from '../src/features/keys/service.js';
import { systemClock } from '../src/lib/clock.js';
import { openStore, storeReady } from '../src/store/open.js';
import type { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { makeBatch, type Population, population, rng } from './lib/events.js';
import { LoadGenerator } from './lib/load.js';
import type { LoadResult } from './lib/load-client.js';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, listenOn } from './lib/server.js';
import { usageQueryBench } from './usage.js';

const ORG = DEFAULT_ORG_ID;
const DAY = 86_400;

interface Sizes {
  ingestSeconds: number;
  warmupSeconds: number;
  usageRecords: number;
  storedEvents: number;
  listRequests: number;
}
const FULL: Sizes = { ingestSeconds: 10, warmupSeconds: 2, usageRecords: 300_000, storedEvents: 1_000_000, listRequests: 300 };
const QUICK: Sizes = { ingestSeconds: 4, warmupSeconds: 1, usageRecords: 100_000, storedEvents: 100_000, listRequests: 100 };

export function benchDatabaseUrl(): string | undefined {
  return process.env.ORGLEDGER_BENCH_DATABASE_URL ?? process.env.ORGLEDGER_TEST_DATABASE_URL;
}

/** A fresh database on the bench server, dropped by drop(). */
export async function freshDatabase(base: string, tag: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `orgledger_bench_${tag}_${process.pid}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function config(dir: string, url: string) {
  return loadConfig({ env: {}, flags: { dataDir: dir, port: 0, logLevel: 'silent', databaseUrl: url } });
}

async function openBenchStore(url: string, dir: string): Promise<PostgresStore> {
  const store = openStore({ ...config(dir, url), pgConnectWaitSeconds: 5 }) as PostgresStore;
  await storeReady(store);
  await new KeyService(store, systemClock).bootstrap(BENCH_ADMIN_KEY);
  return store;
}

async function inProcessServer(url: string, dir: string) {
  return listenOn(config(dir, url), await openBenchStore(url, dir));
}

/** `orgledger serve` as its own process on the database; resolves with its URL once it listens. */
export async function spawnServer(url: string, dir: string): Promise<{ url: string; child: ChildProcess }> {
  // src/main.ts only exports main(); this one-liner runs it as bin/orgledger.js does with dist/.
  const main = new URL('../src/main.ts', import.meta.url).href;
  const entry = `import(${JSON.stringify(main)}).then((m) => m.main([process.argv[0], "orgledger", ...process.argv.slice(1)]))`;
  const child = spawn(
    process.execPath,
    // ORGLEDGER_BENCH_SERVER_NODE_ARGS: extra node flags for the server (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
    [
      ...(process.env.ORGLEDGER_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      entry,
      'serve',
      '--port',
      '0',
      '--data',
      dir,
      '--database-url',
      url,
      '--log-level',
      'silent',
    ],
    {
      env: { ...process.env, ORGLEDGER_ADMIN_KEY: BENCH_ADMIN_KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1] as string, child });
    });
    child.once('exit', (code) => reject(new Error(`orgledger serve exited with ${code}: ${out}`)));
  });
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function ingestNote(results: LoadResult[]): string {
  const lat = latencySummary(results.flatMap((r) => r.latenciesMs));
  const bad = results.flatMap((r) => Object.entries(r.statuses).filter(([s]) => s !== '200'));
  for (const r of results) if (r.firstError) progress(`first error: ${r.firstError}`);
  return [`request p50 ${fmtMs(lat.p50)} p99 ${fmtMs(lat.p99)}`, ...(bad.length ? [`non-200: ${bad.map(([s, n]) => `${s}x${n}`).join(' ')}`] : [])].join('; ');
}

const ingestTask = (url: string, clients: number, sizes: Sizes, seed: number) =>
  ({
    kind: 'ingest',
    url,
    key: BENCH_ADMIN_KEY,
    clients,
    eventsPerRequest: 1000,
    warmupMs: sizes.warmupSeconds * 1000,
    durationMs: sizes.ingestSeconds * 1000,
    seed,
  }) as const;

async function auditHttpIngest(base: string, sizes: Sizes): Promise<{ figure: Figure; rate: number }> {
  const db = await freshDatabase(base, 'audit');
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-pg-'));
  const load = await LoadGenerator.start();
  const server = await inProcessServer(db.url, dir);
  try {
    const before = { ...server.store.commitStats };
    const result = await load.run(ingestTask(server.url, 4, sizes, 11));
    const stats = server.store.commitStats;
    const perCommit = (stats.jobs - before.jobs) / Math.max(1, stats.batches - before.batches);
    const rate = result.events / (result.elapsedMs / 1000);
    return {
      rate,
      figure: {
        name: 'HTTP audit ingest, 1000/request, 4 clients',
        value: `${fmtInt(rate)} ev/s`,
        target: '>= 50,000 ev/s',
        met: rate >= 50_000,
        note: `${ingestNote([result])}; ${perCommit.toFixed(1)} requests/commit`,
      },
    };
  } finally {
    await server.close();
    load.stop();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

function usageRecord(r: () => number, createdAt: number): Record<string, unknown> {
  const key = Math.floor(r() * 400);
  const input = 200 + Math.floor(r() * 4000);
  return {
    created_at: createdAt,
    project_id: `proj_${key % 20}`,
    user_id: `user-${key % 200}`,
    api_key_id: `key_${key}`,
    model: ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'o3', 'gpt-5'][key % 5],
    batch: r() < 0.08,
    input_tokens: input,
    input_cached_tokens: r() < 0.4 ? Math.floor(input * r() * 0.8) : 0,
    output_tokens: 20 + Math.floor(r() * 800),
    num_model_requests: 1,
  };
}

function post(agent: Agent, url: URL, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function usageHttpIngest(base: string, sizes: Sizes): Promise<Figure> {
  const db = await freshDatabase(base, 'usage');
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-pg-'));
  const server = await inProcessServer(db.url, dir);
  try {
    const r = rng(7);
    const perRequest = 5000;
    const now = Math.floor(Date.now() / 1000);
    const bodies = Array.from({ length: 8 }, () =>
      JSON.stringify({ data: Array.from({ length: perRequest }, () => usageRecord(r, now - Math.floor(r() * 3600))) }),
    );
    const url = new URL(server.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let sent = 0;
    let failed = 0;
    const path = '/v1/organization/usage/completions';
    const client = async () => {
      while (sent < sizes.usageRecords) {
        const body = bodies[(sent / perRequest) % bodies.length] as string;
        sent += perRequest;
        if ((await post(agent, url, path, body)) !== 200) failed++;
      }
    };
    await post(agent, url, path, bodies[0] as string);
    const t0 = performance.now();
    await Promise.all([client(), client(), client(), client()]);
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    const rate = sent / seconds;
    const [{ n } = { n: 0 }] = (await server.store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_records')).rows;
    return {
      name: `HTTP usage ingest, ${perRequest}-record batches, 4 clients`,
      value: `${fmtInt(rate)} rec/s`,
      target: '>= 50,000 rec/s',
      met: rate >= 50_000 && failed === 0,
      note: `${fmtInt(sent)} records sent, ${fmtInt(n)} stored (with a ${perRequest}-record warm-up), ${failed} failed requests; client in-process`,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

function toPath(q: ListAuditLogsQuery): string {
  const parts: string[] = [];
  const add = (name: string, value: string | number) => parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
  for (const t of q.event_types ?? []) add('event_types[]', t);
  for (const e of q.actor_emails ?? []) add('actor_emails[]', e);
  if (q.effective_at?.gte !== undefined) add('effective_at[gte]', q.effective_at.gte);
  if (q.effective_at?.lt !== undefined) add('effective_at[lt]', q.effective_at.lt);
  if (q.limit !== undefined) add('limit', q.limit);
  if (q.after !== undefined) add('after', q.after);
  return `/v1/organization/audit_logs?${parts.join('&')}`;
}

async function listLatency(base: string, pop: Population, sizes: Sizes): Promise<Figure[]> {
  const db = await freshDatabase(base, 'list');
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-pg-'));
  const load = await LoadGenerator.start();
  const server = await inProcessServer(db.url, dir);
  const figures: Figure[] = [];
  try {
    progress(`filling ${fmtInt(sizes.storedEvents)} audit events over 90 days through the service (1000/call)`);
    const service = new AuditLogService(server.store, systemClock);
    const r = rng(3);
    const end = systemClock.nowSeconds() - 60;
    const start = end - 90 * DAY;
    const t0 = performance.now();
    let lastReport = t0;
    for (let done = 0; done < sizes.storedEvents; done += 1000) {
      const batch = makeBatch(r, pop, 1000);
      batch.forEach((e, i) => {
        e.effective_at = Math.min(end, start + Math.floor(((done + i) / sizes.storedEvents) * 90 * DAY) + Math.floor(r() * 600));
      });
      await service.ingest(ORG, batch);
      if (performance.now() - lastReport > 10_000) {
        lastReport = performance.now();
        progress(`filled ${fmtInt(done + 1000)} of ${fmtInt(sizes.storedEvents)}`);
      }
    }
    const fillRate = sizes.storedEvents / ((performance.now() - t0) / 1000);
    figures.push({ name: `fill of ${fmtInt(sizes.storedEvents)} events (service, 1000/call)`, value: `${fmtInt(fillRate)} ev/s`, target: '' });
    await server.store.pool.query('VACUUM ANALYZE');
    const q = (text: string, values: unknown[] = []) => server.store.pool.query(text, values).then((x) => x.rows);
    const [range] = (await q('SELECT min(effective_at) AS lo, max(effective_at) AS hi, max(seq) AS seqs FROM audit_events WHERE org_id = $1', [ORG])) as {
      lo: number;
      hi: number;
      seqs: number;
    }[];
    if (!range) throw new Error('no events stored');
    const rr = rng(5);
    const cases: { kind: string; query: ListAuditLogsQuery }[] = [];
    for (let i = 0; i < sizes.listRequests; i++) cases.push({ kind: 'first page', query: { limit: 20 } });
    const popular = pop.types.slice(0, 12);
    for (let i = 0; i < sizes.listRequests; i++) {
      const types = [...new Set([0, 1, 2].map(() => popular[Math.floor(rr() * popular.length)] as string))];
      const emails = [0, 1].map(() => (pop.users[Math.floor(rr() * pop.users.length)] as { email: string }).email);
      const gte = range.lo + Math.floor(rr() * (range.hi - range.lo - 30 * DAY));
      cases.push({ kind: 'filtered page', query: { event_types: types, actor_emails: emails, effective_at: { gte, lt: gte + 30 * DAY }, limit: 20 } });
    }
    const seqs = Array.from({ length: sizes.listRequests }, () => 1 + Math.floor(range.seqs * (0.05 + rr() * 0.45)));
    const rows = (await q('SELECT id FROM audit_event_ids WHERE org_id = $1 AND seq = ANY($2::bigint[])', [ORG, seqs])) as { id: string }[];
    for (const row of rows) cases.push({ kind: 'deep page (after)', query: { limit: 20, after: row.id } });
    for (const kind of ['first page', 'filtered page', 'deep page (after)']) {
      const mine = cases.filter((c) => c.kind === kind);
      const result = await load.run({ kind: 'get', url: server.url, key: BENCH_ADMIN_KEY, paths: mine.map((c) => toPath(c.query)), clients: 1, warmup: 20 });
      if (result.firstError) progress(`first error: ${result.firstError}`);
      const http = latencySummary(result.latenciesMs);
      const bad = Object.entries(result.statuses).filter(([s]) => s !== '200');
      figures.push({
        name: `list ${kind}, p50 / p99 over HTTP`,
        value: `${fmtMs(http.p50)} / ${fmtMs(http.p99)}`,
        target: 'p99 <= 15 ms',
        met: http.p99 <= 15 && bad.length === 0,
        note: [`${http.n} requests`, ...(bad.length ? [`non-200: ${bad.map(([s, n]) => `${s}x${n}`).join(' ')}`] : [])].join('; '),
      });
    }
    const [size] = (await q('SELECT pg_database_size(current_database())::bigint AS b')) as { b: number }[];
    figures.push({
      name: 'bytes per stored event (whole database)',
      value: fmtInt((size?.b ?? 0) / sizes.storedEvents),
      target: '(report)',
      note: `${((size?.b ?? 0) / 1e6).toFixed(0)} MB`,
    });
  } finally {
    await server.close();
    load.stop();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
  return figures;
}

/** The same total load (8 clients x 1000 events/request) on 1 spawned process, then split over 2. */
async function processes(base: string, sizes: Sizes): Promise<Figure[]> {
  const rates: number[] = [];
  const notes: string[] = [];
  for (const count of [1, 2]) {
    const db = await freshDatabase(base, `procs${count}`);
    const dirs = Array.from({ length: count }, () => mkdtempSync(join(tmpdir(), 'orgledger-bench-pg-')));
    const loads = await Promise.all(dirs.map(() => LoadGenerator.start()));
    const servers: { url: string; child: ChildProcess }[] = [];
    try {
      // One at a time: the first migrates, the second finds the schema ready.
      for (const dir of dirs) servers.push(await spawnServer(db.url, dir));
      const results = await Promise.all(servers.map((s, i) => (loads[i] as LoadGenerator).run(ingestTask(s.url, 8 / count, sizes, 11 + i))));
      rates.push(results.reduce((a, r) => a + r.events / (r.elapsedMs / 1000), 0));
      notes.push(ingestNote(results));
      const check = new pg.Client({ connectionString: db.url });
      await check.connect();
      const { rows } = await check.query<{ n: number; max: number; dense: boolean }>(
        'SELECT count(*)::int AS n, max(seq)::int AS max, count(*) = max(seq) AS dense FROM audit_event_ids WHERE org_id = $1',
        [ORG],
      );
      await check.end();
      notes[notes.length - 1] += `; ${fmtInt(rows[0]?.n ?? 0)} stored, seq dense: ${rows[0]?.dense}`;
    } finally {
      for (const s of servers) await stopServer(s.child);
      for (const l of loads) l.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await db.drop();
    }
  }
  const [one = Number.NaN, two = Number.NaN] = rates;
  return [
    { name: 'HTTP audit ingest, 1 process, 8 clients', value: `${fmtInt(one)} ev/s`, target: '', note: notes[0] },
    { name: 'HTTP audit ingest, 2 processes, 4 clients each', value: `${fmtInt(two)} ev/s`, target: '', note: notes[1] },
    { name: '2 processes / 1 process', value: fmtRatio(two / one), target: '(report)', note: 'one organization: its writers take turns on its row lock' },
  ];
}

/** The usage suite's fill and five queries (bench/usage.ts), held to twice the SQLite targets. */
async function usageQueries(base: string, quick: boolean): Promise<Figure[]> {
  const db = await freshDatabase(base, 'usageq');
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-pg-'));
  const store = await openBenchStore(db.url, dir);
  try {
    const sizeMb = async () => {
      const { rows } = await store.pool.query<{ b: number }>('SELECT pg_database_size(current_database())::bigint AS b');
      return (rows[0]?.b ?? 0) / 1e6;
    };
    return await usageQueryBench(store, { records: quick ? 1_000_000 : 10_000_000, quick, label: ' (PostgreSQL)', targetFactor: 2, sizeMb });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
}

export async function runPostgresBench(opts: { quick: boolean }): Promise<void> {
  const base = benchDatabaseUrl();
  if (!base) {
    console.log('\nPostgreSQL bench skipped: set ORGLEDGER_BENCH_DATABASE_URL (or ORGLEDGER_TEST_DATABASE_URL) to a server where it may create databases');
    return;
  }
  const sizes = opts.quick ? QUICK : FULL;
  const pop = population();
  console.log(`\nPostgreSQL (${new URL(base).host}), ${opts.quick ? 'quick' : 'full'} run, Node ${process.version}`);
  progress(`HTTP audit ingest: 4 clients x 1000 events per request, ${sizes.ingestSeconds} s`);
  const audit = await auditHttpIngest(base, sizes);
  progress(`HTTP usage ingest: ${fmtInt(sizes.usageRecords)} completions records in 5000-record requests`);
  const usage = await usageHttpIngest(base, sizes);
  printTable('ingest (PostgreSQL)', [audit.figure, usage]);
  progress('1 orgledger process against 2 on one database');
  const procs = await processes(base, sizes);
  printTable('processes (PostgreSQL)', procs);
  const lists = await listLatency(base, pop, sizes);
  printTable(`lists, ${fmtInt(sizes.storedEvents)} events stored (PostgreSQL)`, lists);
  const queries = await usageQueries(base, opts.quick);
  printTable('summary (PostgreSQL)', [audit.figure, usage, ...procs, ...lists, ...queries]);
}
