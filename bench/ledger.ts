/**
 * The ledger benchmark of issue 13 (SQLite): the same audit rows inserted with the ledger (the
 * store's own inserter, which appends leaves and stored hashes) and without it (the same statements
 * minus the ledger), as a ratio; the time of one checkpoint pass after a batch (ack -> checkpoint is
 * at most the cadence plus that); inclusion proof latency through the service at the built tree; and
 * `verify --data` speed (verifyLedger over the whole log).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateEvent } from '../src/features/audit-logs/event-validation.js';
import { appendAuditEvents } from '../src/features/audit-logs/service.js';
import type { AuditWrites } from '../src/features/audit-logs/store.js';
import type { StoredAuditEvent } from '../src/features/audit-logs/types.js';
import { DEFAULT_ORG_ID } from '../src/features/keys/service.js';
import { noteSigner } from '../src/features/ledger/note.js';
import { LedgerService } from '../src/features/ledger/service.js';
import { verifyLedger } from '../src/features/ledger/verify.js';
import { systemClock } from '../src/lib/clock.js';
import { AUDIT_EVENT_COLUMNS, auditEventValues } from '../src/store/rows.js';
import { auditEventInserter } from '../src/store/sqlite/audit-store.js';
import { migrateSqlite, openConnection } from '../src/store/sqlite/sqlite-store.js';
import { makeBatch, population, rng } from './lib/events.js';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { benchConfig, openBenchStore } from './lib/server.js';

const ORG = DEFAULT_ORG_ID;
const BATCH = 1000;
const FILL_BATCH = 10_000;
const PROOFS = 2000;

async function rowsOf(events: Record<string, unknown>[], firstSeq: number): Promise<StoredAuditEvent[]> {
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

/** Inserts `batches` into a fresh file with or without the ledger; returns events/s of the timed inserts and their CPU µs per event. */
function insertRate(path: string, batches: StoredAuditEvent[][], withLedger: boolean): { rate: number; cpu: number } {
  const db = openConnection(path, false);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${benchConfig(path).sqliteSynchronous}`);
  migrateSqlite(db);
  db.prepare("INSERT OR IGNORE INTO organizations (id, name, created_at) VALUES (?, 'bench', 0)").run(ORG);
  const insertEvent = db.prepare(`INSERT INTO audit_events (${AUDIT_EVENT_COLUMNS.join(', ')}) VALUES (${AUDIT_EVENT_COLUMNS.map(() => '?').join(', ')})`);
  const insertActor = db.prepare('INSERT OR IGNORE INTO audit_event_actors (org_id, actor_id, effective_at, seq) VALUES (?, ?, ?, ?)');
  const plain = (events: StoredAuditEvent[]) => {
    for (const e of events) {
      insertEvent.run(auditEventValues(e, e.tenant ? 1 : 0));
      for (const actorId of e.actorIds) insertActor.run(e.orgId, actorId, e.effectiveAt, e.seq);
    }
  };
  const insert = db.transaction(withLedger ? auditEventInserter(db) : plain);
  let timed = 0;
  let n = 0;
  let cpu = 0;
  for (const b of batches) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    insert(b);
    timed += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    n += b.length;
  }
  // The store allocates seqs from here on (the rows above bypassed the allocation).
  db.prepare('UPDATE organizations SET audit_seq = ? WHERE id = ?').run(n, ORG);
  db.close();
  return { rate: n / (timed / 1000), cpu: cpu / n };
}

/**
 * Grows the ledger-on store at `path` from `from` to `to` audit events through the store's own
 * inserter (real events, real leaves and stored hashes), FILL_BATCH events per transaction: the
 * store's bulk path, as a sync or a large ingest request takes it.
 */
export async function fillTo(path: string, from: number, to: number, r: () => number, pop: ReturnType<typeof population>): Promise<string[]> {
  const db = openConnection(path, false);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.transaction(auditEventInserter(db));
  const ids: string[] = [];
  for (let done = from; done < to; done += FILL_BATCH) {
    const rows = await rowsOf(makeBatch(r, pop, Math.min(FILL_BATCH, to - done)), done + 1);
    insert(rows);
    for (const e of rows) ids.push(e.id);
    if ((done + FILL_BATCH) % 100_000 === 0) progress(`filled ${fmtInt(done + FILL_BATCH)} events`);
  }
  db.prepare('UPDATE organizations SET audit_seq = ? WHERE id = ?').run(to, ORG);
  db.close();
  return ids;
}

export async function runLedgerBench(opts: { quick: boolean }): Promise<void> {
  // The ingest ratio runs on `ratioTotal` events (each inserted twice); proofs and verify at `total`.
  const ratioTotal = opts.quick ? 20_000 : 200_000;
  const total = opts.quick ? 100_000 : 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-ledger-'));
  const figures: Figure[] = [];
  console.log(
    `\nledger — SQLite, ${opts.quick ? 'quick' : 'full'} run (ratio on ${fmtInt(ratioTotal)} audit events, proofs and verify at ${fmtInt(total)} leaves), Node ${process.version}, data in ${dir}`,
  );
  try {
    progress(`building ${fmtInt(ratioTotal)} audit rows`);
    const pop = population();
    const r = rng(11);
    const batches: StoredAuditEvent[][] = [];
    for (let done = 0; done < ratioTotal; done += BATCH) batches.push(await rowsOf(makeBatch(r, pop, BATCH), done + 1));
    progress('insert without the ledger');
    const off = insertRate(join(dir, 'off.sqlite'), batches, false);
    progress('insert with the ledger');
    const onPath = join(dir, 'on.sqlite');
    const on = insertRate(onPath, batches, true);
    figures.push({ name: 'insert, ledger off (events/s)', value: fmtInt(off.rate), target: '', note: `${off.cpu.toFixed(1)} µs CPU per event` });
    figures.push({ name: 'insert, ledger on (events/s)', value: fmtInt(on.rate), target: '', note: `${on.cpu.toFixed(1)} µs CPU per event` });
    figures.push({
      name: 'ledger on / off',
      value: fmtRatio(on.rate / off.rate),
      target: '>= 0.9x',
      met: on.rate / off.rate >= 0.9,
      note: `CPU per event off / on: ${fmtRatio(off.cpu / on.cpu)}`,
    });

    const ids = batches.flat().map((e) => e.id);
    progress(`filling to ${fmtInt(total)} events (${fmtInt(FILL_BATCH)} per transaction, ledger on)`);
    const t1 = performance.now();
    for (const id of await fillTo(onPath, ratioTotal, total, r, pop)) ids.push(id);
    figures.push({
      name: `fill to ${fmtInt(total)} (events/s, ledger on)`,
      value: fmtInt((total - ratioTotal) / ((performance.now() - t1) / 1000)),
      target: '',
    });

    const store = await openBenchStore(benchConfig(dir), onPath);
    const { privateKey } = generateKeyPairSync('ed25519');
    const ledger = new LedgerService(
      store,
      noteSigner('bench.local', privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
      'bench.local',
      systemClock,
    );
    let t0 = performance.now();
    await ledger.checkpointNow();
    figures.push({ name: `checkpoint pass at ${fmtInt(total)} leaves`, value: fmtMs(performance.now() - t0), target: 'cadence 250 ms + this <= 1 s' });

    const proofMs: number[] = [];
    const pick = rng(3);
    const proofCpu0 = process.cpuUsage();
    for (let i = 0; i < PROOFS; i++) {
      const id = ids[Math.floor(pick() * ids.length)] as string;
      const t = performance.now();
      await ledger.inclusion(ORG, 'audit', id);
      proofMs.push(performance.now() - t);
    }
    const proofCpu = process.cpuUsage(proofCpu0);
    const proof = latencySummary(proofMs);
    figures.push({
      name: `inclusion proof p50 / p99 at ${fmtInt(total)} leaves`,
      value: `${fmtMs(proof.p50)} / ${fmtMs(proof.p99)}`,
      target: 'p99 <= 5 ms (1M)',
      met: proof.p99 <= 5,
      note: `${PROOFS} random leaves, ${((proofCpu.user + proofCpu.system) / PROOFS / 1000).toFixed(3)} ms CPU each`,
    });

    t0 = performance.now();
    const verifyCpu0 = process.cpuUsage();
    const result = await verifyLedger(store.ledger, ledger.signer.verifierKey);
    const verifyCpu = process.cpuUsage(verifyCpu0);
    const rate = result.leaves / ((performance.now() - t0) / 1000);
    figures.push({
      name: `verify --data at ${fmtInt(result.leaves)} leaves (leaves/s)`,
      value: fmtInt(rate),
      target: '>= 200k/s (1M)',
      met: rate >= 200_000,
      note: `${result.problems.length} problem(s), ${((verifyCpu.user + verifyCpu.system) / result.leaves).toFixed(2)} µs CPU per leaf (this process, hashing workers included), ${availableParallelism()} cores`,
    });
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable('ledger', figures);
}
