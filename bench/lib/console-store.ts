/**
 * The console bench's store: N audit events and M usage records of a realistic organization in one
 * SQLite file, filled once and kept under .bench-cache/ (gitignored) so a rerun opens it as it is.
 *
 * - Audit events go through AuditLogService.ingest (validation, hashing, ledger) in calls of 1000,
 *   from bench/lib/events.ts's population, over the 90 days before the fill.
 * - Usage records are written with the store's own SQL and rollup code, one UTC day per transaction:
 *   the writer's INSERT of the record row (UsageWriter's statement, the values built as
 *   insertUsage builds them), the hourly and daily rollups of every cube from `usageRollupDeltas`
 *   over the day's records, and the priced cost rollups through `UsageWriter.insertCostLines`, so
 *   every rollup the overview reads is exactly the sum of the stored records. Skipped, for speed
 *   (the real `insertUsage` path ran at ~75 µs of CPU per record, 10M = 12+ minutes): HTTP, JSON,
 *   schema validation, the ledger leaves and the log-stream journal of the usage records (the audit
 *   events do get theirs). The ledger panel of this store therefore covers the audit events only.
 * - The organization: 20 projects, 200 users and 40 API keys of the audit population plus 360 more
 *   keys, with a Zipf-like skew (a few keys carry most of the traffic), 12 models (completions) and
 *   2 embedding models, some batch, flex and priority, a weekly rhythm and a slow growth, so the
 *   month figures and the week's movers have something to say.
 * A `.done` file beside the store records what was filled and how long it took; without it (a fill
 * interrupted) the store is filled again from scratch.
 */

import { fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { AuditLogService } from '../../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { ALL_DIMENSIONS, ALL_MEASURES, type Dimension, type UsageKind, usageKind } from '../../src/features/usage/kinds.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { priceRecord } from '../../src/features/usage/price-usage.js';
import type { MeasureValues, UsageRecord } from '../../src/features/usage/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { timeSortableSuffix } from '../../src/lib/ids.js';
import { provenanceValues } from '../../src/store/rows.js';
import { toRollupValue } from '../../src/store/sqlite/usage-sql.js';
import { UsageWriter } from '../../src/store/sqlite/usage-store.js';
import { type UsageRollupDelta, usageRollupDeltas } from '../../src/store/usage-rollup.js';
import { makeBatch, type Population, population, rng } from './events.js';
import { fmtInt, progress } from './report.js';
import { benchConfig, openBenchStore } from './server.js';
import { MODELS } from './usage-records.js';

const DAY = 86400;
const ORG = DEFAULT_ORG_ID;
const AUDIT_BATCH = 1000;
/** Usage fill processes (slices of days, each its own file): the record inserts are CPU-bound. */
const USAGE_PROCESSES = 3;
const EMBEDDING_MODELS = ['text-embedding-3-small', 'text-embedding-3-large'];

export interface ConsoleStore {
  dir: string;
  path: string;
  events: number;
  usageRecords: number;
  /** When the fill ended (unix seconds); the data covers the 90 days before. */
  filledAt: number;
  auditSeconds: number;
  usageSeconds: number;
  /** Copying the usage tables into the store after both fills. */
  mergeSeconds: number;
  /** True when this run filled the store, false when it was found in the cache. */
  fresh: boolean;
  bytes: number;
}

/** Keys 0..399: key k has weight ~ 1/(k+1) (Zipf), owner user k % 200, project k % 20. */
function keyDraw(r: () => number): number {
  // Inverse of the Zipf CDF over 400 keys, approximately: exp(u * ln 401) - 1.
  return Math.min(399, Math.floor(Math.exp(r() * Math.log(401)) - 1));
}

interface Org {
  projects: string[];
  users: string[];
  keys: string[];
}

function org(pop: Population, r: () => number): Org {
  const extraKeys = Array.from(
    { length: 360 },
    () =>
      `key_${Math.floor(r() * 2 ** 52)
        .toString(36)
        .padStart(11, '0')}`,
  );
  return { projects: pop.projects.map((p) => p.id), users: pop.users.map((u) => u.id), keys: [...pop.keys.map((k) => k.id), ...extraKeys] };
}

/** A day's share of the records: a weekly rhythm (weekends at 40%) and 30% growth over the span. */
function dayWeight(dayStart: number, start: number, end: number): number {
  const weekday = new Date(dayStart * 1000).getUTCDay();
  return (weekday === 0 || weekday === 6 ? 0.4 : 1) * (0.7 + (0.3 * (dayStart - start)) / (end - start));
}

/** n records at times drawn in [from, to), in time order (so a write touches neighbouring rollup rows only). */
function usageBatch(r: () => number, o: Org, prices: ReturnType<typeof loadPriceTable>, n: number, from: number, to: number) {
  const completions: UsageRecord[] = [];
  const embeddings: UsageRecord[] = [];
  const completionsKind = usageKind('completions');
  const embeddingsKind = usageKind('embeddings');
  const times = Array.from({ length: n }, () => from + Math.floor(r() * (to - from))).sort((a, b) => a - b);
  for (const createdAt of times) {
    const key = keyDraw(r);
    const base = { project_id: o.projects[key % 20] ?? null, user_id: o.users[key % 200] ?? null, api_key_id: o.keys[key] ?? null };
    const embedding = r() < 0.1;
    const kind = embedding ? embeddingsKind : completionsKind;
    let raw: Record<string, unknown>;
    let measures: MeasureValues;
    if (embedding) {
      raw = { ...base, model: EMBEDDING_MODELS[key % 2] };
      measures = { input_tokens: 50 + Math.floor(r() * 2000), num_model_requests: 1 };
    } else {
      const batch = r() < 0.08;
      const tier = r();
      raw = {
        ...base,
        model: MODELS[(key * 7 + Math.floor(r() * 3)) % 12],
        batch,
        service_tier: batch ? 'default' : tier < 0.85 ? 'default' : tier < 0.9 ? 'flex' : 'priority',
      };
      const input = 200 + Math.floor(r() * 4000);
      const cached = r() < 0.4 ? Math.floor(input * r() * 0.8) : 0;
      measures = {
        input_tokens: input,
        input_cached_tokens: cached,
        input_uncached_tokens: input - cached,
        output_tokens: 20 + Math.floor(r() * 800),
        num_model_requests: 1,
      };
    }
    const dims = Object.fromEntries(kind.dimensions.map((d) => [d, (raw[d] ?? null) as string | boolean | null])) as Record<Dimension, string | boolean | null>;
    const priced = priceRecord(prices, kind.name, createdAt, dims, measures);
    (embedding ? embeddings : completions).push({
      id: `usage_${timeSortableSuffix()}`,
      createdAt,
      dims,
      measures,
      contentHash: null,
      priceId: priced?.priceId ?? null,
      costs: priced?.costs ?? [],
    });
  }
  return { completions, embeddings };
}

/** A record's row, in USAGE_RECORD_COLUMNS order (as UsageWriter.insertUsage builds it). */
function recordValues(kind: string, r: UsageRecord): unknown[] {
  const values: unknown[] = [ORG, kind, r.createdAt, r.id];
  for (const d of ALL_DIMENSIONS) {
    const v = r.dims[d];
    values.push(v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v);
  }
  for (const m of ALL_MEASURES) values.push(r.measures[m] ?? null);
  values.push(r.priceId, r.contentHash, r.provider ?? null, ...provenanceValues(r));
  return values;
}

/** A rollup delta's upsert parameters (as UsageWriter.insertUsage builds them). */
function rollupValues(kind: string, d: UsageRollupDelta): unknown[] {
  const values: unknown[] = [ORG, kind, d.grain, d.cube, d.bucket];
  for (const dim of ALL_DIMENSIONS) values.push(toRollupValue(dim, d.dims[dim]));
  for (const m of ALL_MEASURES) values.push(d.measures[m] ?? null);
  values.push(d.latestAt);
  return values;
}

/**
 * Writes the records of one slice of days (of `usageRecords` over the 90 days before `end`) into the
 * store file at `path` (created and migrated here), one UTC day per transaction. Runs in a child
 * process, several slices at once beside the audit fill (see the end of this file); the caller merges
 * the files into the console store. Slices hold whole days, so their rollup rows never overlap.
 */
export async function fillUsage(path: string, usageRecords: number, end: number, slice = { index: 0, of: 1 }): Promise<number> {
  const t0 = performance.now();
  const dir = join(path, '..');
  const store = await openBenchStore(benchConfig(dir), path);
  await store.close();
  const start = end - 90 * DAY;
  const o = org(population(), rng(13));
  const r = rng(17 + slice.index);
  const prices = loadPriceTable();
  // UTC days (the first and last cut to [start, end)): a day's rollup rows are all written by one process.
  const firstDay = start - (start % DAY);
  const days = Array.from({ length: Math.ceil((end - firstDay) / DAY) }, (_, d) => firstDay + d * DAY);
  const span = (d: number) => Math.min(end, d + DAY) - Math.max(start, d);
  const weights = days.map((d) => (dayWeight(d, start, end) * span(d)) / DAY);
  const total = weights.reduce((a, w) => a + w, 0);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const writer = new UsageWriter(db);
  // The writer's own prepared statements (private: the bench reuses them rather than copy their SQL).
  const stmts = (writer as unknown as { s: { insertRecord: Database.Statement; upsertRollup: Database.Statement } }).s;
  const writeDay = db.transaction((kind: UsageKind, records: UsageRecord[]) => {
    for (const rec of records) stmts.insertRecord.run(...recordValues(kind.name, rec));
    for (const d of usageRollupDeltas(kind, records)) stmts.upsertRollup.run(...rollupValues(kind.name, d));
    writer.insertCostLines(
      ORG,
      records.flatMap((rec) => rec.costs),
    );
  });
  const upTo = (d: number) => (d >= days.length ? usageRecords : Math.round((usageRecords * weights.slice(0, d).reduce((a, w) => a + w, 0)) / total));
  // This process's days: slice `index` of `of` equal runs of days.
  const first = Math.floor((days.length * slice.index) / slice.of);
  const last0 = Math.floor((days.length * (slice.index + 1)) / slice.of);
  const mine = upTo(last0) - upTo(first);
  let written = 0;
  let last = performance.now();
  for (let d = first; d < last0; d++) {
    const dayStart = days[d] as number;
    // A whole day per transaction, in time order: the day's rollup deltas pre-merge into few rows.
    const n = upTo(d + 1) - upTo(d);
    const { completions, embeddings } = usageBatch(r, o, prices, n, Math.max(start, dayStart), Math.min(end, dayStart + DAY));
    writeDay(usageKind('completions'), completions);
    writeDay(usageKind('embeddings'), embeddings);
    written += n;
    if (performance.now() - last > 15_000) {
      last = performance.now();
      progress(
        `usage records, slice ${slice.index + 1}/${slice.of}: ${fmtInt(written)} of ${fmtInt(mine)} (${fmtInt(written / ((performance.now() - t0) / 1000))} rec/s)`,
      );
    }
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return (performance.now() - t0) / 1000;
}

/** The audit events: through AuditLogService.ingest in calls of 1000 over the 90 days before `end`. */
async function fillAudit(path: string, events: number, end: number): Promise<number> {
  const t0 = performance.now();
  const store = await openBenchStore({ ...benchConfig(join(path, '..')), sqliteSynchronous: 'NORMAL' }, path);
  const start = end - 90 * DAY;
  const pop = population();
  const r = rng(11);
  const service = new AuditLogService(store, systemClock);
  let last = performance.now();
  for (let i = 0; i < events; i += AUDIT_BATCH) {
    const batch = makeBatch(r, pop, Math.min(AUDIT_BATCH, events - i));
    batch.forEach((e, j) => {
      e.effective_at = Math.min(end, start + Math.floor(((i + j) / events) * 90 * DAY) + Math.floor(r() * 600));
    });
    await service.ingest(ORG, batch);
    if (performance.now() - last > 15_000) {
      last = performance.now();
      progress(`audit events: ${fmtInt(i + batch.length)} of ${fmtInt(events)}`);
    }
  }
  await store.close();
  return (performance.now() - t0) / 1000;
}

/** Copies the usage tables of the file `from` (filled by fillUsage) into the store at `path`. */
export function mergeUsage(path: string, from: string): void {
  const db = new Database(path);
  db.pragma('synchronous = OFF');
  db.prepare('ATTACH DATABASE ? AS u').run(from);
  db.transaction(() => {
    for (const table of ['usage_records', 'usage_rollups', 'cost_rollups', 'unpriced_usage']) db.exec(`INSERT INTO main.${table} SELECT * FROM u.${table}`);
  })();
  db.exec('DETACH DATABASE u');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/**
 * The cached store for `events` audit events and `usageRecords` usage records, filled on first use
 * (the usage records in a child process while this one ingests the audit events, then merged).
 * `cacheDir` defaults to <cwd>/.bench-cache.
 */
export async function consoleStore(events: number, usageRecords: number, cacheDir = join(process.cwd(), '.bench-cache')): Promise<ConsoleStore> {
  const dir = join(cacheDir, `console-${events}-${usageRecords}`);
  const path = join(dir, 'console.sqlite');
  const done = join(dir, '.done');
  if (existsSync(done)) {
    const meta = JSON.parse(readFileSync(done, 'utf8')) as Omit<ConsoleStore, 'fresh' | 'bytes' | 'dir' | 'path'>;
    return { ...meta, dir, path, fresh: false, bytes: statSync(path).size };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const end = systemClock.nowSeconds() - 60;
  const parts = Array.from({ length: USAGE_PROCESSES }, (_, i) => join(dir, `usage-part-${i}.sqlite`));
  const usageDone = Promise.all(
    parts.map((part, i) => {
      const args = ['--fill-usage', part, String(usageRecords), String(end), String(i), String(parts.length)];
      const child = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--import', 'tsx'] });
      return new Promise<number>((resolve, reject) => {
        child.on('message', (m) => resolve((m as { seconds: number }).seconds));
        child.on('exit', (code) => (code === 0 ? undefined : reject(new Error(`usage fill ${i} exited with ${code}`))));
      });
    }),
  );
  const auditSeconds = await fillAudit(path, events, end);
  const usageSeconds = Math.max(...(await usageDone));
  const t0 = performance.now();
  for (const part of parts) {
    progress(`merging ${part}`);
    mergeUsage(path, part);
    rmSync(part, { force: true });
  }
  const mergeSeconds = (performance.now() - t0) / 1000;
  const meta = { events, usageRecords, filledAt: end, auditSeconds, usageSeconds, mergeSeconds };
  writeFileSync(done, JSON.stringify(meta));
  return { ...meta, dir, path, fresh: true, bytes: statSync(path).size };
}

// A child process of consoleStore: `--fill-usage <path> <records> <end> <slice> <slices>`.
if (process.argv[2] === '--fill-usage') {
  const [path, n, end, index, of] = process.argv.slice(3) as [string, string, string, string, string];
  fillUsage(path, Number(n), Number(end), { index: Number(index), of: Number(of) }).then(
    (seconds) => process.send?.({ seconds }, () => process.exit(0)),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
