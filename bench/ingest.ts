/**
 * The ingest figures of issue 17 in one run, so their ratios compare like with like: SQLite audit
 * ingest over HTTP (1000/request, 4 clients; 1/request, 32 clients), usage ingest over HTTP
 * (5000/request, 4 clients), all from the forked load generator, and the baseline the audit target is
 * a ratio of: a plain insert of the same rows into a table with a primary key and three indexes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { AuditLogService } from '../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID, KeyService } from '../src/features/keys/service.js';
import { systemClock } from '../src/lib/clock.js';
import { DEFAULT_GATHER, type GroupCommitStats, NO_GATHER } from '../src/store/group-commit.js';
import { openStore, storeReady } from '../src/store/open.js';
import type { PostgresStore } from '../src/store/postgres/postgres-store.js';
import { openConnection } from '../src/store/sqlite/sqlite-store.js';
import { rowsOf } from './audit.js';
import { makeBatch, population, rng } from './lib/events.js';
import { LoadGenerator } from './lib/load.js';
import type { LoadResult } from './lib/load-client.js';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, listenOn, openBenchStore, startBenchServer } from './lib/server.js';
import { benchDatabaseUrl, freshDatabase } from './postgres.js';

interface Phase {
  name: string;
  target: 'audit' | 'usage';
  clients: number;
  perRequest: number;
  goal: number;
}

const PHASES: Phase[] = [
  { name: 'SQLite audit ingest over HTTP, 1000/request, 4 clients', target: 'audit', clients: 4, perRequest: 1000, goal: 50_000 },
  { name: 'SQLite audit ingest over HTTP, 1/request, 32 clients', target: 'audit', clients: 32, perRequest: 1, goal: 10_000 },
  { name: 'SQLite usage ingest over HTTP, 5000/request, 4 clients', target: 'usage', clients: 4, perRequest: 5000, goal: 50_000 },
];

export async function runIngestBench(opts: { quick: boolean }): Promise<void> {
  if (process.env.BENCH_INGEST_AB === 'postgres') return postgresGatherAb(opts);
  const seconds = opts.quick ? 4 : 10;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-ingest-'));
  const config = benchConfig(dir);
  console.log(`\ningest — SQLite (WAL, synchronous=${config.sqliteSynchronous}), ${seconds} s per phase, Node ${process.version}, ledger on`);
  const load = await LoadGenerator.start();
  const figures: Figure[] = [];
  try {
    const rates: number[] = [];
    // BENCH_INGEST_AB=1: each HTTP phase four times in this process, group commit's gathering of
    // announced writes off, on, off, on (ADR 0007, session 8), so the comparison shares the load.
    const ab = process.env.BENCH_INGEST_AB === '1';
    const runs = PHASES.flatMap((phase) => (ab ? [false, true, false, true] : [true]).map((gather) => ({ phase, gather })));
    for (const [i, { phase: basePhase, gather }] of runs.entries()) {
      const phase = ab ? { ...basePhase, name: `${basePhase.name}, gathering ${gather ? 'on' : 'off'}` } : basePhase;
      progress(`${phase.name}, ${seconds} s`);
      const path = join(dir, `phase-${i}.sqlite`);
      const server = await startBenchServer(benchConfig(dir), path);
      server.store.setGatherBounds(gather ? DEFAULT_GATHER : NO_GATHER);
      try {
        const measured = await measureHttpPhase(load, phase, server.url, server.store, opts.quick ? 1000 : 2000, seconds);
        if (gather) rates.push(measured.rate);
        figures.push(measured.figure);
      } finally {
        await server.close();
      }
    }
    // The service path without HTTP (ADR 0007's experiments): validation, hashing, ids and the store's
    // write in sequential calls of 1000 events, CPU of the main thread per event; steadier than HTTP.
    const serviceTotal = opts.quick ? 30_000 : 100_000;
    progress(`audit service ingest without HTTP, ${fmtInt(serviceTotal)} events`);
    const svc = await serviceIngestCpu(join(dir, 'service.sqlite'), serviceTotal);
    figures.push({
      name: `SQLite audit service ingest, no HTTP, 1000/call, ${fmtInt(serviceTotal)} events`,
      value: `${fmtInt(svc.rate)} ev/s`,
      target: '',
      note: `main thread CPU ${svc.mainUs.toFixed(1)} µs/event; ${svc.callsPerCommit.toFixed(1)} calls/commit`,
    });
    progress('plain insert of the same audit rows (primary key + three indexes)');
    const plain = await plainInsertRate(join(dir, 'plain.sqlite'), opts.quick ? 50_000 : 200_000);
    figures.push(
      { name: 'plain SQLite insert, same audit rows, PK + 3 indexes, 1000/tx', value: `${fmtInt(plain)} ev/s`, target: '(baseline)' },
      { name: 'audit HTTP 1000/request / plain insert', value: fmtRatio((rates[0] as number) / plain), target: '>= 1.00x', met: (rates[0] as number) >= plain },
    );
    printTable('ingest (issue 17)', figures);
  } finally {
    load.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU time of the main thread alone (Linux: /proc/self/task/<pid>/stat, 10 ms ticks), in µs; NaN
 * elsewhere. The event loop bounds the ingest rate; process CPU also counts
 * V8's GC helper threads and libuv's.
 */
function mainThreadCpuUs(): number {
  try {
    const fields = (readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/**
 * One HTTP ingest phase against a server in this process: the load generator's rate and latencies,
 * requests per commit, and server CPU per item (warm-up included: steadier than the rate on a shared
 * machine), for the whole process and for its main thread.
 */
async function measureHttpPhase(
  load: LoadGenerator,
  phase: Phase,
  url: string,
  store: { readonly commitStats: GroupCommitStats },
  warmupMs: number,
  seconds: number,
): Promise<{ rate: number; figure: Figure }> {
  const before = { ...store.commitStats };
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuUs();
  const result = await load.run({
    kind: 'ingest',
    target: phase.target,
    url,
    key: BENCH_ADMIN_KEY,
    clients: phase.clients,
    eventsPerRequest: phase.perRequest,
    warmupMs,
    durationMs: seconds * 1000,
    seed: 11,
  });
  const cpu = process.cpuUsage(cpu0);
  const mainUs = mainThreadCpuUs() - main0;
  const stats = store.commitStats;
  const jobs = stats.jobs - before.jobs;
  const perCommit = jobs / Math.max(1, stats.batches - before.batches);
  const items = Math.max(1, jobs * phase.perRequest);
  const rate = result.events / (result.elapsedMs / 1000);
  return { rate, figure: figure(phase, rate, result, perCommit, (cpu.user + cpu.system) / items, Number.isNaN(mainUs) ? undefined : mainUs / items) };
}

function figure(phase: Phase, rate: number, result: LoadResult, perCommit: number, cpuUs: number, mainUs: number | undefined): Figure {
  const lat = latencySummary(result.latenciesMs);
  const bad = Object.entries(result.statuses).filter(([s]) => s !== '200');
  if (result.firstError) progress(`first error: ${result.firstError}`);
  const unit = phase.target === 'usage' ? 'rec/s' : 'ev/s';
  return {
    name: phase.name,
    value: `${fmtInt(rate)} ${unit}`,
    target: `>= ${fmtInt(phase.goal)} ${unit}`,
    met: rate >= phase.goal && bad.length === 0,
    note: [
      `request p50 ${fmtMs(lat.p50)} p99 ${fmtMs(lat.p99)}`,
      `${perCommit.toFixed(1)} requests/commit`,
      `server CPU ${cpuUs.toFixed(0)} µs/item${mainUs === undefined ? '' : ` (main thread ${mainUs.toFixed(0)})`}`,
      ...(bad.length > 0 ? [`non-200: ${bad.map(([s, n]) => `${s}x${n}`).join(' ')}`] : []),
    ].join('; '),
  };
}

/**
 * The rows the service stores for the bench's events (id, seq, time, type, project, email, body),
 * inserted with prepared statements in 1000-row transactions (WAL, synchronous=FULL) into a table
 * with a primary key and three indexes: what "a plain insert of the same rows" costs on this machine.
 */
async function plainInsertRate(path: string, total: number): Promise<number> {
  const db = openConnection(path, false);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (org_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, effective_at INTEGER NOT NULL, type TEXT NOT NULL,
      project_id TEXT, actor_email TEXT, body TEXT NOT NULL, PRIMARY KEY (org_id, seq));
    CREATE UNIQUE INDEX events_id ON events (org_id, id);
    CREATE INDEX events_time ON events (org_id, effective_at, seq);
    CREATE INDEX events_type ON events (org_id, type, effective_at, seq);`);
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const batch = db.transaction((rows: Awaited<ReturnType<typeof rowsOf>>) => {
    for (const e of rows) insert.run(e.orgId, e.seq, e.id, e.effectiveAt, e.type, e.projectId, e.actorEmail, e.body);
  });
  const pop = population();
  const r = rng(7);
  let timed = 0;
  for (let done = 0; done < total; done += 1000) {
    const rows = await rowsOf(makeBatch(r, pop, 1000), done + 1);
    const t0 = performance.now();
    batch(rows);
    timed += performance.now() - t0;
  }
  db.close();
  return total / (timed / 1000);
}

/**
 * AuditLogService.ingest of 1000-event calls into a fresh store, `concurrent` calls at a time (they
 * share a group commit): events/s and main-thread CPU per event.
 */
export async function serviceIngestCpu(path: string, total: number, concurrent = 1): Promise<{ rate: number; mainUs: number; callsPerCommit: number }> {
  const store = await openBenchStore(benchConfig(path), path);
  const service = new AuditLogService(store, systemClock);
  const pop = population();
  const r = rng(7);
  const batches: Record<string, unknown>[][] = [];
  for (let done = 0; done < total; done += 1000) batches.push(makeBatch(r, pop, 1000));
  const before = { ...store.commitStats };
  const main0 = mainThreadCpuUs();
  const t0 = performance.now();
  for (let i = 0; i < batches.length; i += concurrent) await Promise.all(batches.slice(i, i + concurrent).map((b) => service.ingest(DEFAULT_ORG_ID, b)));
  const seconds = (performance.now() - t0) / 1000;
  const mainUs = (mainThreadCpuUs() - main0) / total;
  const callsPerCommit = (store.commitStats.jobs - before.jobs) / Math.max(1, store.commitStats.batches - before.batches);
  await store.close();
  return { rate: total / seconds, mainUs, callsPerCommit };
}

/**
 * BENCH_INGEST_AB=postgres: the batched HTTP phases (audit 1000/request, usage 5000/request, 4
 * clients) on PostgreSQL (ORGLEDGER_BENCH_DATABASE_URL or ORGLEDGER_TEST_DATABASE_URL), each four
 * times, group commit's gathering off, on, off, on; a fresh database per run.
 */
async function postgresGatherAb(opts: { quick: boolean }): Promise<void> {
  const base = benchDatabaseUrl();
  if (!base) throw new Error('BENCH_INGEST_AB=postgres needs ORGLEDGER_BENCH_DATABASE_URL or ORGLEDGER_TEST_DATABASE_URL');
  const seconds = opts.quick ? 4 : 8;
  const load = await LoadGenerator.start();
  const figures: Figure[] = [];
  try {
    for (const basePhase of [PHASES[0], PHASES[2]] as Phase[]) {
      for (const [i, gather] of [false, true, false, true].entries()) {
        const phase = { ...basePhase, name: `${basePhase.name.replace('SQLite', 'PostgreSQL')}, gathering ${gather ? 'on' : 'off'}` };
        progress(`${phase.name}, ${seconds} s`);
        const db = await freshDatabase(base, `ab${i}`);
        const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-ab-'));
        const config = loadConfig({ env: {}, flags: { dataDir: dir, port: 0, logLevel: 'silent', databaseUrl: db.url } });
        const store = openStore({ ...config, pgConnectWaitSeconds: 5 }) as PostgresStore;
        await storeReady(store);
        await new KeyService(store, systemClock).bootstrap(BENCH_ADMIN_KEY);
        store.setGatherBounds(gather ? DEFAULT_GATHER : NO_GATHER);
        const server = await listenOn(config, store);
        try {
          figures.push((await measureHttpPhase(load, phase, server.url, store, 2000, seconds)).figure);
        } finally {
          await server.close();
          await db.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    printTable('ingest on PostgreSQL, group commit gathering A/B (issue 17)', figures);
  } finally {
    load.stop();
  }
}
