/**
 * The audit-log benchmark of issue 2: ingest over HTTP (batched and single-event) from a separate
 * load-generator process, the same rows inserted raw into SQLite and through the service without HTTP
 * (so the HTTP overhead shows as a ratio), list latency with 1M stored events, and bytes per event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { validateEvent } from '../src/features/audit-logs/event-validation.js';
import type { ListAuditLogsQuery } from '../src/features/audit-logs/schemas.js';
import { AuditLogService, appendAuditEvents } from '../src/features/audit-logs/service.js';
import type { AuditWrites } from '../src/features/audit-logs/store.js';
import type { StoredAuditEvent } from '../src/features/audit-logs/types.js';
import { DEFAULT_ORG_ID } from '../src/features/keys/service.js';
import { systemClock } from '../src/lib/clock.js';
import { auditListSql } from '../src/store/sqlite/audit-list-sql.js';
import { auditEventInserter } from '../src/store/sqlite/audit-store.js';
import { migrateSqlite, openConnection } from '../src/store/sqlite/sqlite-store.js';
import { makeBatch, type Population, population, rng } from './lib/events.js';
import { LoadGenerator } from './lib/load.js';
import type { LoadResult } from './lib/load-client.js';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, openBenchStore, startBenchServer } from './lib/server.js';
import { type DiskUsage, diskUsage } from './lib/sqlite-disk.js';

export interface AuditBenchOptions {
  quick: boolean;
}

interface Sizes {
  ingestSeconds: number;
  warmupSeconds: number;
  rateEvents: number;
  storedEvents: number;
  listRequests: number;
}

const FULL: Sizes = { ingestSeconds: 10, warmupSeconds: 2, rateEvents: 200_000, storedEvents: 1_000_000, listRequests: 300 };
const QUICK: Sizes = { ingestSeconds: 4, warmupSeconds: 1, rateEvents: 50_000, storedEvents: 100_000, listRequests: 200 };

const ORG = DEFAULT_ORG_ID;
const BATCH = 1000;
const BATCH_CLIENTS = 4;
const SINGLE_CLIENTS = 32;
const DAY = 86_400;

export async function runAuditBench(opts: AuditBenchOptions): Promise<void> {
  const sizes = opts.quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-'));
  const config = benchConfig(dir);
  const pop = population();
  const figures: Figure[] = [];
  console.log(
    `\naudit logs — SQLite (WAL, synchronous=${config.sqliteSynchronous}), ${opts.quick ? 'quick' : 'full'} run, Node ${process.version}, data in ${dir}`,
  );
  const load = await LoadGenerator.start();
  try {
    progress(`raw SQLite insert of ${fmtInt(sizes.rateEvents)} events`);
    const raw = await rawInsertRate(join(dir, 'raw.sqlite'), pop, sizes.rateEvents);
    progress(`service ingest (no HTTP) of ${fmtInt(sizes.rateEvents)} events`);
    const service = await serviceIngestRate(join(dir, 'service.sqlite'), pop, sizes.rateEvents);

    progress(`HTTP batched ingest: ${BATCH_CLIENTS} clients x ${BATCH} events per request, ${sizes.ingestSeconds} s`);
    const batched = await httpIngest(join(dir, 'http-batched.sqlite'), load, BATCH_CLIENTS, BATCH, sizes);
    progress(`HTTP single-event ingest: ${SINGLE_CLIENTS} clients, ${sizes.ingestSeconds} s`);
    const single = await httpIngest(join(dir, 'http-single.sqlite'), load, SINGLE_CLIENTS, 1, sizes);

    figures.push(
      ingestFigure(`HTTP ingest, ${BATCH}/request, ${BATCH_CLIENTS} clients`, batched, 100_000),
      ingestFigure(`HTTP ingest, 1/request, ${SINGLE_CLIENTS} clients`, single, 10_000),
      { name: 'raw SQLite insert, 1000-row transactions', value: `${fmtInt(raw.rate)} ev/s`, target: '(baseline)' },
      { name: 'service ingest without HTTP, 1000/call', value: `${fmtInt(service.rate)} ev/s`, target: '(baseline)' },
      { name: 'HTTP batched / raw SQLite', value: fmtRatio(batched.rate / raw.rate), target: '' },
      { name: 'HTTP batched / service', value: fmtRatio(batched.rate / service.rate), target: '' },
      { name: 'service / raw SQLite', value: fmtRatio(service.rate / raw.rate), target: '' },
      { name: 'HTTP single / raw SQLite', value: fmtRatio(single.rate / raw.rate), target: '' },
    );
    printTable('ingest', figures);

    const stored = join(dir, 'stored.sqlite');
    progress(`filling ${fmtInt(sizes.storedEvents)} events over 90 days through the service`);
    const fill = await fillStore(stored, pop, sizes.storedEvents);
    const disk = diskUsage(stored);
    const listFigures = await listLatency(stored, load, pop, sizes);
    const storeFigures: Figure[] = [
      { name: `fill of ${fmtInt(sizes.storedEvents)} events (service, 1000/call)`, value: `${fmtInt(fill.rate)} ev/s`, target: '' },
      ...listFigures,
      {
        name: 'bytes per stored event (db after checkpoint)',
        value: fmtInt(disk.fileBytes / disk.events),
        target: '(report)',
        note: `${(disk.fileBytes / 1e6).toFixed(0)} MB for ${fmtInt(disk.events)} events; body ${fmtInt(disk.avgBodyBytes)} B`,
      },
    ];
    printTable(`lists and storage, ${fmtInt(sizes.storedEvents)} events stored`, storeFigures);
    printDisk(disk);
    printTable('summary (audit logs)', [...figures.slice(0, 2), ...figures.slice(2, 4), ...storeFigures]);
  } finally {
    load.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Rate {
  rate: number;
  events: number;
  seconds: number;
}

function ingestFigure(name: string, r: Rate & { result: LoadResult; jobsPerCommit: number }, target: number): Figure {
  const lat = latencySummary(r.result.latenciesMs);
  const bad = Object.entries(r.result.statuses).filter(([s]) => s !== '200');
  const note = [
    `request p50 ${fmtMs(lat.p50)} p99 ${fmtMs(lat.p99)}`,
    `${r.jobsPerCommit.toFixed(1)} requests/commit`,
    `${fmtInt(r.result.bytesPerEvent ?? 0)} B/event sent`,
    ...(bad.length > 0 ? [`non-200: ${bad.map(([s, n]) => `${s}x${n}`).join(' ')}`] : []),
  ].join('; ');
  if (r.result.firstError) progress(`first error: ${r.result.firstError}`);
  return { name, value: `${fmtInt(r.rate)} ev/s`, target: `>= ${fmtInt(target)} ev/s`, met: r.rate >= target, note };
}

/** The rows appendAuditEvents would store for these events, captured by a write handle that stores nothing. */
export async function rowsOf(events: Record<string, unknown>[], firstSeq: number): Promise<StoredAuditEvent[]> {
  const now = systemClock.nowSeconds();
  const valid = events.map((e, i) => validateEvent(e, `data[${i}]`, now));
  let rows: StoredAuditEvent[] = [];
  const audit: AuditWrites = {
    findAuditEventHashes: async () => new Map(),
    allocateAuditSeq: async () => firstSeq,
    insertAuditEvents: async (r) => {
      rows = r;
    },
  };
  await appendAuditEvents({ audit }, ORG, valid, systemClock);
  return rows;
}

/** Prepared INSERTs of the same rows into the same schema, 1000 rows per transaction, no HTTP and no service. */
async function rawInsertRate(path: string, pop: Population, total: number): Promise<Rate> {
  const config = benchConfig(path);
  // The store's own connection settings and insert statements, so only HTTP and the service differ.
  const db = openConnection(path, false);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${config.sqliteSynchronous}`);
  migrateSqlite(db);
  const insertBatch = db.transaction(auditEventInserter(db));
  const r = rng(7);
  let timed = 0;
  for (let done = 0; done < total; done += BATCH) {
    const rows = await rowsOf(makeBatch(r, pop, BATCH), done + 1);
    const t0 = performance.now();
    insertBatch(rows);
    timed += performance.now() - t0;
  }
  db.close();
  return { rate: total / (timed / 1000), events: total, seconds: timed / 1000 };
}

/** AuditLogService.ingest (validation, hashing, ids, group commit) in sequential calls of 1000 events. */
async function serviceIngestRate(path: string, pop: Population, total: number): Promise<Rate> {
  const store = await openBenchStore(benchConfig(path), path);
  const service = new AuditLogService(store, systemClock);
  const r = rng(7);
  let timed = 0;
  for (let done = 0; done < total; done += BATCH) {
    const batch = makeBatch(r, pop, BATCH);
    const t0 = performance.now();
    await service.ingest(ORG, batch);
    timed += performance.now() - t0;
  }
  await store.close();
  return { rate: total / (timed / 1000), events: total, seconds: timed / 1000 };
}

async function httpIngest(path: string, load: LoadGenerator, clients: number, perRequest: number, sizes: Sizes) {
  const server = await startBenchServer(benchConfig(path), path);
  try {
    const before = { ...server.store.commitStats };
    const result = await load.run({
      kind: 'ingest',
      url: server.url,
      key: BENCH_ADMIN_KEY,
      clients,
      eventsPerRequest: perRequest,
      warmupMs: sizes.warmupSeconds * 1000,
      durationMs: sizes.ingestSeconds * 1000,
      seed: 11,
    });
    const stats = server.store.commitStats;
    const jobsPerCommit = (stats.jobs - before.jobs) / Math.max(1, stats.batches - before.batches);
    return { rate: result.events / (result.elapsedMs / 1000), events: result.events, seconds: result.elapsedMs / 1000, result, jobsPerCommit };
  } finally {
    await server.close();
  }
}

/** Fills through the service in calls of 1000, effective_at rising over 90 days (with jitter), as events arrive in life. */
export async function fillStore(path: string, pop: Population, total: number): Promise<Rate> {
  const store = await openBenchStore(benchConfig(path), path);
  const service = new AuditLogService(store, systemClock);
  const r = rng(3);
  const end = systemClock.nowSeconds() - 60;
  const start = end - 90 * DAY;
  let timed = 0;
  let lastReport = performance.now();
  for (let done = 0; done < total; done += BATCH) {
    const batch = makeBatch(r, pop, BATCH);
    batch.forEach((e, i) => {
      e.effective_at = Math.min(end, start + Math.floor(((done + i) / total) * 90 * DAY) + Math.floor(r() * 600));
    });
    const t0 = performance.now();
    await service.ingest(ORG, batch);
    timed += performance.now() - t0;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(`filled ${fmtInt(done + BATCH)} of ${fmtInt(total)}`);
    }
  }
  await store.close();
  return { rate: total / (timed / 1000), events: total, seconds: timed / 1000 };
}

type ListKind = 'first page' | 'filtered page' | 'deep page (after)';

interface ListCase {
  kind: ListKind;
  query: ListAuditLogsQuery;
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
  // Brackets percent-encoded, as the openai SDK sends them.
  return `/v1/organization/audit_logs?${parts.join('&')}`;
}

/** The list requests: one first page, filters drawn at random, cursors from deep in the list. */
function listCases(path: string, pop: Population, n: number): ListCase[] {
  const db = new Database(path, { readonly: true });
  const range = db.prepare('SELECT min(effective_at) AS lo, max(effective_at) AS hi, max(seq) AS seqs FROM audit_events WHERE org_id = ?').get(ORG) as {
    lo: number;
    hi: number;
    seqs: number;
  };
  const idAt = db.prepare('SELECT id FROM audit_events WHERE org_id = ? AND seq = ? AND tenant = 0');
  const r = rng(5);
  const cases: ListCase[] = [];
  for (let i = 0; i < n; i++) cases.push({ kind: 'first page', query: { limit: 20 } });
  const popular = pop.types.slice(0, 12);
  for (let i = 0; i < n; i++) {
    const types = [...new Set([0, 1, 2].map(() => popular[Math.floor(r() * popular.length)] as string))];
    const emails = [0, 1].map(() => (pop.users[Math.floor(r() * pop.users.length)] as { email: string }).email);
    const gte = range.lo + Math.floor(r() * (range.hi - range.lo - 30 * DAY));
    cases.push({ kind: 'filtered page', query: { event_types: types, actor_emails: emails, effective_at: { gte, lt: gte + 30 * DAY }, limit: 20 } });
  }
  while (cases.length < 3 * n) {
    // Older half of the store: the cursor sits 50-95% of the way down the newest-first list.
    const seq = 1 + Math.floor(range.seqs * (0.05 + r() * 0.45));
    const row = idAt.get(ORG, seq) as { id: string } | undefined;
    if (row) cases.push({ kind: 'deep page (after)', query: { limit: 20, after: row.id } });
  }
  db.close();
  return cases;
}

function explain(path: string, cases: ListCase[]): void {
  const db = new Database(path, { readonly: true });
  console.log('\nquery plans (EXPLAIN QUERY PLAN of the list SQL):');
  for (const kind of ['first page', 'filtered page', 'deep page (after)'] as ListKind[]) {
    const c = cases.find((x) => x.kind === kind) as ListCase;
    const q = c.query;
    const pos = q.after
      ? (db.prepare('SELECT effective_at, seq FROM audit_events WHERE org_id = ? AND id = ?').get(ORG, q.after) as { effective_at: number; seq: number })
      : null;
    const statements = auditListSql({
      orgId: ORG,
      tenantOnly: false,
      types: q.event_types,
      actorEmails: q.actor_emails,
      effectiveAt: q.effective_at ?? {},
      direction: 'desc',
      fetch: (q.limit ?? 20) + 1,
      ...(pos ? { olderThan: { effectiveAt: pos.effective_at, seq: pos.seq } } : {}),
    });
    const { sql, params } = statements[0] as { sql: string; params: unknown[] };
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
    console.log(`  ${kind}: ${statements.length} statement(s); ${plan.map((p) => p.detail).join(' | ')}`);
  }
  db.close();
}

async function listLatency(path: string, load: LoadGenerator, pop: Population, sizes: Sizes): Promise<Figure[]> {
  const cases = listCases(path, pop, sizes.listRequests);
  explain(path, cases);
  const server = await startBenchServer(benchConfig(path), path);
  const figures: Figure[] = [];
  try {
    for (const kind of ['first page', 'filtered page', 'deep page (after)'] as ListKind[]) {
      const mine = cases.filter((c) => c.kind === kind);
      // In process, without HTTP: the service and store alone.
      const inProcess: number[] = [];
      for (const c of mine.slice(0, 20)) await server.app.services.auditLogs.list(ORG, c.query);
      for (const c of mine) {
        const t0 = performance.now();
        await server.app.services.auditLogs.list(ORG, c.query);
        inProcess.push(performance.now() - t0);
      }
      const result = await load.run({ kind: 'get', url: server.url, key: BENCH_ADMIN_KEY, paths: mine.map((c) => toPath(c.query)), clients: 1, warmup: 20 });
      if (result.firstError) progress(`first error: ${result.firstError}`);
      const http = latencySummary(result.latenciesMs);
      const svc = latencySummary(inProcess);
      const bad = Object.entries(result.statuses).filter(([s]) => s !== '200');
      figures.push({
        name: `list ${kind}, p50 / p99 over HTTP`,
        value: `${fmtMs(http.p50)} / ${fmtMs(http.p99)}`,
        target: 'p99 <= 10 ms',
        met: http.p99 <= 10 && bad.length === 0,
        note: [
          `${http.n} requests, ${(result.events / Math.max(1, result.requests)).toFixed(1)} rows/page`,
          `no HTTP: ${fmtMs(svc.p50)} / ${fmtMs(svc.p99)}`,
          ...(bad.length > 0 ? [`non-200: ${bad.map(([s, n]) => `${s}x${n}`).join(' ')}`] : []),
        ].join('; '),
      });
    }
  } finally {
    await server.close();
  }
  return figures;
}

function printDisk(disk: DiskUsage): void {
  if (disk.objects.length === 0) {
    console.log('\n(dbstat is not compiled into this SQLite: no per-table figures)');
    return;
  }
  printTable(
    'on disk per table and index (dbstat)',
    disk.objects.map((o) => ({ name: o.name, value: `${fmtInt(o.bytes / disk.events)} B/event`, target: '', note: `${(o.bytes / 1e6).toFixed(1)} MB` })),
  );
}
