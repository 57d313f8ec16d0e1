/**
 * The live-tail benchmark of issue 15, on SQLite and (with ORGLEDGER_BENCH_DATABASE_URL or
 * ORGLEDGER_TEST_DATABASE_URL) PostgreSQL. Three processes: the server (bench/lib/tail-server.ts, the
 * production app), 1,000 Server-Sent Events clients (bench/lib/tail-clients.ts) and this one, which
 * ingests over HTTP. Figures per engine:
 *  - a steady rate (200 events/s in a request every 100 ms) without clients, then with 1,000 clients
 *    following everything: acknowledgement latency, server CPU and event-loop delay, each delivered
 *    event's lag from its request's acknowledgement (p50, p99, the worst client's p99) and from its
 *    request's sending, deliveries against what was sent, the store reads (polls) for all clients;
 *  - server RSS idle, with the clients connected, and at its peak;
 *  - maximum-rate ingest (4 posters of 500-event requests) in alternating phases without clients and
 *    with 1,000 clients each following a filter that 1% of the events match (none, with, none, ...,
 *    none): each phase with clients against the mean of its neighbours, the medians of those ratios
 *    (rate, and server CPU per event) are the live tail's ingest cost.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY } from './lib/server.js';
import type { TailClientsReport } from './lib/tail-clients.js';
import type { TailServerStats } from './lib/tail-server.js';
import { benchDatabaseUrl, freshDatabase } from './postgres.js';

interface Sizes {
  clients: number;
  seconds: number;
  rate: number;
  /** Maximum-rate phases with clients, each between two without. */
  pairs: number;
}
const FULL: Sizes = { clients: 1000, seconds: 10, rate: 200, pairs: 3 };
const QUICK: Sizes = { clients: 1000, seconds: 4, rate: 200, pairs: 2 };

interface MaxPhase {
  rate: number;
  events: number;
  stats: TailServerStats;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const TICK_MS = 100;
const STREAM = '/v1/organization/audit_logs/stream';
/** In maximum-rate requests, this many events of 500 belong to the project the filtered clients follow. */
const WATCHED_PER_REQUEST = 5;

const now = () => performance.timeOrigin + performance.now();

/** Every ingest request gets a number, stamped in its events' project name (`k<n>`), and its times. */
class Ingester {
  readonly sentAt: number[] = [];
  readonly ackAt: number[] = [];
  constructor(private readonly url: string) {}

  private async post(events: (n: number) => unknown[]): Promise<{ n: number; ms: number; count: number }> {
    const n = this.sentAt.length;
    const body = events(n);
    const text = JSON.stringify({ data: body });
    const sent = now();
    this.sentAt[n] = sent;
    const res = await fetch(`${this.url}/v1/organization/audit_logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: text,
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`ingest answered ${res.status}`);
    const ack = now();
    this.ackAt[n] = ack;
    return { n, ms: ack - sent, count: body.length };
  }

  /** `rate` events/s in one request every TICK_MS for `seconds`. */
  async steady(rate: number, seconds: number) {
    const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
    const acks: Promise<{ ms: number; count: number }>[] = [];
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      acks.push(this.post((n) => Array.from({ length: perTick }, (_, i) => event(n, i, 'proj_bench'))));
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    const done = await Promise.all(acks);
    return { ack: latencySummary(done.map((d) => d.ms)), events: done.reduce((a, d) => a + d.count, 0) };
  }

  /** 4 posters of 500-event requests as fast as acknowledged for `seconds`: events/s. */
  async max(seconds: number): Promise<{ rate: number; events: number }> {
    let events = 0;
    const end = Date.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (Date.now() < end) {
          const done = await this.post((n) =>
            Array.from({ length: 500 }, (_, i) => event(n, i, i % (500 / WATCHED_PER_REQUEST) === 0 ? 'proj_watched' : 'proj_bench')),
          );
          events += done.count;
        }
      }),
    );
    return { rate: events / ((performance.now() - started) / 1000), events };
  }
}

function event(n: number, i: number, project: string): unknown {
  return { type: 'user.added', 'user.added': { id: `user_${n}_${i}` }, project: { id: project, name: `k${n}` } };
}

/** Forks a helper process and talks to it: one request at a time, answered by one message. */
class Helper {
  private constructor(readonly child: ChildProcess) {}

  static async fork(file: string): Promise<Helper> {
    // ORGLEDGER_BENCH_CPU_PROF=<dir> writes the helpers' V8 CPU profiles there (open them in Chrome's DevTools).
    const prof = process.env.ORGLEDGER_BENCH_CPU_PROF;
    const execArgv = [...process.execArgv, ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [])];
    const child = fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
    });
    return new Helper(child);
  }

  ask<T>(msg: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (m: { ok: boolean; error?: string } & T) => (m.ok ? resolve(m) : reject(new Error(m.error))));
      this.child.send(msg);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.ask({ op: 'close' }).catch(() => this.child.kill());
    await exited;
  }
}

async function openClients(url: string, clients: number): Promise<Helper> {
  const helper = await Helper.fork('./lib/tail-clients.ts');
  await helper.ask({ op: 'open', url, key: BENCH_ADMIN_KEY, clients });
  return helper;
}

async function report(clients: Helper, ingester: Ingester): Promise<TailClientsReport> {
  // Late events still on their way: the lag p99 target is 1 s, so 1.5 s lets every one arrive.
  await new Promise((r) => setTimeout(r, 1500));
  return (await clients.ask<{ report: TailClientsReport }>({ op: 'report', sentAt: ingester.sentAt, ackAt: ingester.ackAt })).report;
}

const endedNote = (r: TailClientsReport) => {
  const ended = Object.entries(r.ended);
  return ended.length === 0 ? 'no stream ended' : `streams ended: ${ended.map(([code, n]) => `${n} ${code}`).join(', ')}`;
};
const mb = (n: number) => `${n.toFixed(0)} MB`;
/** Server CPU milliseconds per 1,000 events ingested. */
const cpuMsPer1k = (s: TailServerStats, events: number) => `${((s.cpuSeconds * 1e6) / events).toFixed(1)} ms`;

async function runEngine(engine: 'sqlite' | 'postgres', sizes: Sizes, quick: boolean): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-tail-'));
  const base = benchDatabaseUrl();
  const db = engine === 'postgres' && base ? await freshDatabase(base, 'tail') : undefined;
  const server = await Helper.fork('./lib/tail-server.ts');
  console.log(
    `\nlive tail — ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${sizes.clients} clients, ${sizes.rate} events/s for ${sizes.seconds} s, ${quick ? 'quick' : 'full'} run, Node ${process.version}`,
  );
  try {
    const url = (await server.ask<{ value: string }>({ op: 'start', dataDir: dir, databaseUrl: db?.url ?? join(dir, 'tail.sqlite') })).value;
    const stats = async () => (await server.ask<{ value: TailServerStats }>({ op: 'stats' })).value;
    const ingester = new Ingester(url);
    await ingester.steady(sizes.rate, 1); // warm-up: JIT, statement caches
    const idle = await stats();

    progress('steady ingest without clients');
    const without = await ingester.steady(sizes.rate, sizes.seconds);
    const withoutStats = await stats();

    progress(`${sizes.clients} clients connecting`);
    const all = await openClients(`${url}${STREAM}`, sizes.clients);
    const connected = await stats();
    progress(`steady ingest with ${sizes.clients} clients`);
    const withClients = await ingester.steady(sizes.rate, sizes.seconds);
    const withStats = await stats();
    const tail = await report(all, ingester);
    await all.close();

    // Alternating maximum-rate phases: none, 1,000 filtered clients, none, ... none. Each phase with
    // clients is compared with the mean of the phases either side (the machine's load and the store's
    // size drift), and the figures are the medians of those ratios.
    const offMax: MaxPhase[] = [];
    const onMax: (MaxPhase & { watched: TailClientsReport; expected: number })[] = [];
    // Server CPU from the phase's start to 1 s after its end (the fan-out of its last events included).
    const maxPhase = async (): Promise<MaxPhase> => {
      await stats();
      const run = await ingester.max(sizes.seconds);
      await new Promise((r) => setTimeout(r, 1000));
      return { ...run, stats: await stats() };
    };
    for (let i = 0; i < sizes.pairs; i++) {
      progress(`maximum-rate ingest without clients (${i + 1} of ${sizes.pairs + 1})`);
      offMax.push(await maxPhase());
      progress(`maximum-rate ingest with ${sizes.clients} clients following 1% of the events (${i + 1} of ${sizes.pairs})`);
      const watching = await openClients(`${url}${STREAM}?project_ids[]=proj_watched`, sizes.clients);
      const run = await maxPhase();
      const watched = await report(watching, ingester);
      await watching.close();
      onMax.push({ ...run, watched, expected: (run.events / 500) * WATCHED_PER_REQUEST * sizes.clients });
    }
    progress(`maximum-rate ingest without clients (${sizes.pairs + 1} of ${sizes.pairs + 1})`);
    offMax.push(await maxPhase());
    const around = (i: number, f: (p: MaxPhase) => number) => (f(offMax[i] as MaxPhase) + f(offMax[i + 1] as MaxPhase)) / 2;
    const cpuPerEvent = (p: MaxPhase) => p.stats.cpuSeconds / p.events;
    const rateRatios = onMax.map((p, i) => p.rate / around(i, (q) => q.rate));
    const cpuRatios = onMax.map((p, i) => cpuPerEvent(p) / around(i, cpuPerEvent));
    const rateRatio = median(rateRatios);
    const cpuRatio = median(cpuRatios);
    const watchedP99 = Math.max(...onMax.map((p) => p.watched.ackP99));
    const watchedDelivered = onMax.reduce((n, p) => n + p.watched.deliveries, 0);
    const watchedExpected = onMax.reduce((n, p) => n + p.expected, 0);
    const peak = await stats();

    const expected = withClients.events * sizes.clients;
    const list = <T>(ps: T[], f: (p: T) => string) => ps.map(f).join(' / ');
    const figures: Figure[] = [
      { name: `ingest ack p99, ${sizes.rate} ev/s, no clients`, value: fmtMs(without.ack.p99), target: '', note: `p50 ${fmtMs(without.ack.p50)}` },
      {
        name: `ingest ack p99, ${sizes.rate} ev/s, ${sizes.clients} clients`,
        value: fmtMs(withClients.ack.p99),
        target: '',
        note: `p50 ${fmtMs(withClients.ack.p50)}`,
      },
      {
        name: 'server CPU per 1k events, no clients / clients',
        value: `${cpuMsPer1k(withoutStats, without.events)} / ${cpuMsPer1k(withStats, withClients.events)}`,
        target: '',
        note: `${(withoutStats.cpuSeconds / sizes.seconds).toFixed(2)} / ${(withStats.cpuSeconds / sizes.seconds).toFixed(2)} cores; the clients' process used ${(tail.cpuSeconds / sizes.seconds).toFixed(2)}`,
      },
      {
        name: 'server event-loop delay p99, no clients / clients',
        value: `${fmtMs(withoutStats.loopDelayP99Ms)} / ${fmtMs(withStats.loopDelayP99Ms)}`,
        target: '',
        note: `max ${fmtMs(withoutStats.loopDelayMaxMs)} / ${fmtMs(withStats.loopDelayMaxMs)}`,
      },
      {
        name: 'deliveries to clients',
        value: fmtInt(tail.deliveries),
        target: `${fmtInt(expected)} sent`,
        met: tail.deliveries === expected,
        note: endedNote(tail),
      },
      {
        name: 'lag p99, ingest ack -> client',
        value: fmtMs(tail.ackP99),
        target: '<= 1000 ms',
        met: tail.ackP99 <= 1000,
        note: `p50 ${fmtMs(tail.ackP50)}, max ${fmtMs(tail.ackMax)}`,
      },
      { name: "worst client's lag p99 (from ack)", value: fmtMs(tail.worstClientP99), target: '<= 1000 ms', met: tail.worstClientP99 <= 1000 },
      { name: 'lag p99, ingest request sent -> client', value: fmtMs(tail.sendP99), target: '', note: `p50 ${fmtMs(tail.sendP50)} (includes the ack time)` },
      {
        name: `store reads for ${sizes.clients} clients over ${sizes.seconds} s`,
        value: fmtInt(withStats.polls - connected.polls),
        target: 'one per org per interval or commit',
      },
      {
        name: 'server RSS idle / with clients / peak',
        value: `${mb(idle.rssMb)} / ${mb(connected.rssMb)} / ${mb(peak.peakRssMb)}`,
        target: '',
        note: `${(((connected.rssMb - withoutStats.rssMb) * 1024) / sizes.clients).toFixed(0)} KB per connected client`,
      },
      {
        name: `max ingest, ${sizes.clients} clients on 1% / none`,
        value: fmtRatio(rateRatio),
        target: '>= 0.90x',
        met: rateRatio >= 0.9,
        note: `median of ${onMax.length} phases, each against the mean of the phases without clients either side: ${rateRatios.map(fmtRatio).join(' / ')}; with ${list(onMax, (p) => fmtInt(p.rate))} ev/s, without ${list(offMax, (p) => fmtInt(p.rate))} ev/s`,
      },
      {
        name: `server CPU per event at max ingest, ${sizes.clients} clients / none`,
        value: fmtRatio(cpuRatio),
        target: '<= 1.10x',
        met: cpuRatio <= 1.1,
        note: `median, as above: ${cpuRatios.map(fmtRatio).join(' / ')}; CPU/1k ev with ${list(onMax, (p) => cpuMsPer1k(p.stats, p.events))}, without ${list(offMax, (p) => cpuMsPer1k(p.stats, p.events))}`,
      },
      {
        name: 'lag p99 at max ingest, filtered clients (from ack)',
        value: fmtMs(watchedP99),
        target: '<= 1000 ms',
        met: watchedP99 <= 1000,
        note: `the worst phase's; per phase ${list(onMax, (p) => fmtMs(p.watched.ackP99))} (p50 ${list(onMax, (p) => fmtMs(p.watched.ackP50))}); ${fmtInt(watchedDelivered)} of ${fmtInt(watchedExpected)} delivered; ${list(onMax, (p) => endedNote(p.watched))}`,
      },
    ];
    printTable(`live tail (${engine})`, figures);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  }
}

export async function runLiveTailBench(opts: { quick: boolean }): Promise<void> {
  const sizes = opts.quick ? QUICK : FULL;
  await runEngine('sqlite', sizes, opts.quick);
  if (benchDatabaseUrl()) await runEngine('postgres', sizes, opts.quick);
  else progress('PostgreSQL skipped: set ORGLEDGER_BENCH_DATABASE_URL or ORGLEDGER_TEST_DATABASE_URL');
}
