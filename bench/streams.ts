/**
 * Log streams (issue 15) on SQLite:
 * - backlog delivery throughput (a replay of N events) to a webhook receiver and to a Splunk HEC
 *   receiver (both answer as their vendors document; the HEC one checks the token and parses the
 *   concatenated events);
 * - end-to-end lag (ingest acknowledgement -> receipt at the receiver, p50/p99) under steady ingest
 *   at the issue's 5k events/s, or, when the server does not sustain that with the stream delivering,
 *   at the highest of 4k, 3k, 2k, 1k it sustains (the rates tried and reached are in the note);
 * - ingest cost of ten active streams: the same ingest load (a load-generator process) in alternating
 *   phases of 0 and 10 streams in one run; rate and server CPU per event, as medians of ratios.
 * The deliverer runs with its defaults (poll 200 ms). The lag receiver is an HTTP listener in this
 * process (it notes each record's arrival time); the HEC and ten-stream receivers run in a child
 * process (lib/stream-receiver.ts) so their parsing is not counted as the server's CPU.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadGenerator } from './lib/load.js';
import { type Figure, fmtInt, fmtMs, fmtRatio, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, type BenchServer, benchConfig, startBenchServer } from './lib/server.js';
import { HEC_TOKEN, ReceiverProcess } from './lib/stream-receiver.js';

interface Sizes {
  backlog: number;
  /** Length of each steady-ingest run of the lag measurement. */
  seconds: number;
  /** Length of each ingest-cost phase. */
  costSeconds: number;
  /** Phases with ten streams, each between two without (so 2 * pairs + 1 phases). */
  pairs: number;
}
const FULL: Sizes = { backlog: 100_000, seconds: 10, costSeconds: 8, pairs: 3 };
const QUICK: Sizes = { backlog: 20_000, seconds: 4, costSeconds: 3, pairs: 3 };
/** Steady rates tried for the lag, highest first, until one is sustained: the issue's target is set at 5k/s. */
const RATES = [5000, 4000, 3000, 2000, 1000];
/** CPU of an ingest-cost phase is counted until at least this long after its ingest ended (and the streams caught up). */
const SETTLE_MS = 2000;
/** A rate is sustained when the events were acknowledged at (at least) this share of it. */
const SUSTAINED = 0.95;
const HEC_PATH = '/services/collector/event';
const STREAMS = 10;
const TICK_MS = 100;
const BATCH = { max_records: 1000, max_wait_ms: 100 };

async function call(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(out)}`);
  return out;
}

function events(ids: string[]): unknown[] {
  return ids.map((id) => ({ id, type: 'user.added', 'user.added': { id: `u_${id}` }, project: { id: 'proj_bench', name: 'bench' } }));
}

/** The receiver: arrival time (ms, performance clock) per record id, and a waiter for a count. */
async function startReceiver() {
  const arrived = new Map<string, number>();
  let requests = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      requests++;
      for (const r of JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ id: string }>) if (!arrived.has(r.id)) arrived.set(r.id, at);
      res.writeHead(204).end();
      if (waiter && arrived.size >= waiter.count) waiter.resolve();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    arrived,
    requests: () => requests,
    until(count: number): Promise<void> {
      if (arrived.size >= count) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { count, resolve };
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function ingestAll(url: string, ids: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < ids.length) {
        const slice = ids.slice(next, next + 500);
        next += 500;
        await call(url, 'POST', '/v1/organization/audit_logs', { data: events(slice) });
      }
    }),
  );
}

export async function runStreamsBench(opts: { quick: boolean }): Promise<void> {
  const sizes = opts.quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-streams-'));
  const server = await startBenchServer(benchConfig(dir), join(dir, 'streams.sqlite'));
  const receiver = await startReceiver();
  const remote = await ReceiverProcess.start();
  const load = await LoadGenerator.start();
  console.log(
    `\nlog streams — SQLite, backlog ${fmtInt(sizes.backlog)}, steady ingest from ${fmtInt(RATES[0] as number)} events/s down for ${sizes.seconds} s, ingest cost ${2 * sizes.pairs + 1} alternating phases of ${sizes.costSeconds} s, batch ${BATCH.max_records}/${BATCH.max_wait_ms} ms, ${opts.quick ? 'quick' : 'full'} run, Node ${process.version}`,
  );
  const figures: Figure[] = [];
  try {
    progress(`ingesting a backlog of ${fmtInt(sizes.backlog)} events`);
    const backlog = Array.from({ length: sizes.backlog }, (_, i) => `b_${i}`);
    await ingestAll(server.url, backlog);

    progress('replaying the backlog to the webhook receiver');
    const stream = await call(server.url, 'POST', '/v1/organization/log_streams', {
      name: 'bench',
      sink: { type: 'webhook', url: receiver.url },
      batch: BATCH,
    });
    let started = performance.now();
    await call(server.url, 'POST', `/v1/organization/log_streams/${String(stream.id)}/replay`, { from_sequence: 1 });
    await receiver.until(sizes.backlog);
    const drainSeconds = (performance.now() - started) / 1000;
    const drainRequests = receiver.requests();

    progress('replaying the backlog to the Splunk HEC receiver');
    const hec = await call(server.url, 'POST', '/v1/organization/log_streams', {
      name: 'bench-hec',
      sink: { type: 'splunk_hec', url: remote.url, token: HEC_TOKEN, index: 'orgledger' },
      batch: BATCH,
    });
    started = performance.now();
    await call(server.url, 'POST', `/v1/organization/log_streams/${String(hec.id)}/replay`, { from_sequence: 1 });
    await remote.until(HEC_PATH, sizes.backlog);
    const hecSeconds = (performance.now() - started) / 1000;
    const hecRequests = (await remote.counts())[HEC_PATH]?.requests ?? 0;
    await call(server.url, 'DELETE', `/v1/organization/log_streams/${String(hec.id)}`);

    // The highest of RATES the server sustains with the stream delivering, and the lag at that rate.
    let steady: Steady | undefined;
    const tried: string[] = [];
    for (const offered of RATES) {
      progress(`steady ingest at ${fmtInt(offered)} events/s`);
      const arrivedBefore = receiver.arrived.size;
      const run = await steadyLag(server, offered, sizes.seconds, `r${offered}`);
      await receiver.until(arrivedBefore + run.acked.size);
      tried.push(`${fmtInt(offered)}: ${fmtInt(run.achieved)}`);
      if (run.achieved >= SUSTAINED * offered) {
        steady = run;
        break;
      }
    }
    if (!steady) throw new Error(`no steady rate was sustained (offered: acknowledged ev/s ${tried.join(', ')})`);
    // A record can reach the receiver before its ingest answer reaches the client: that lag counts as 0.
    const lags = [...steady.acked].map(([id, at]) => Math.max(0, (receiver.arrived.get(id) as number) - at));
    const lag = latencySummary(lags);
    const ack = latencySummary(steady.ackMs);
    const rate = steady.offered;
    await call(server.url, 'DELETE', `/v1/organization/log_streams/${String(stream.id)}`);

    const cost = await ingestCost(server, remote, load, sizes);

    figures.push(
      {
        name: `backlog delivery, webhook, ${fmtInt(sizes.backlog)} events`,
        value: `${fmtInt(sizes.backlog / drainSeconds)} rec/s`,
        target: '',
        note: `${drainSeconds.toFixed(2)} s, ${drainRequests} requests`,
      },
      {
        name: `backlog delivery, Splunk HEC, ${fmtInt(sizes.backlog)} events`,
        value: `${fmtInt(sizes.backlog / hecSeconds)} rec/s`,
        target: '>= 20,000 rec/s',
        met: sizes.backlog / hecSeconds >= 20_000,
        note: `${hecSeconds.toFixed(2)} s, ${hecRequests} requests`,
      },
      {
        name: `lag p99 (ingest ack -> receiver), ${fmtInt(rate)} ev/s sustained`,
        value: fmtMs(lag.p99),
        target: '<= 1000 ms at 5k/s',
        // The target is set at 5k/s: judged only when the server sustained it.
        met: rate >= 5000 ? lag.p99 <= 1000 : undefined,
        note: `p50 ${fmtMs(lag.p50)}, max ${fmtMs(lag.max)}, n ${fmtInt(lag.n)}; offered: acknowledged ev/s ${tried.join(', ')}${rate < 5000 ? '; below 5k/s, not judged' : ''}`,
      },
      { name: 'ingest ack during delivery', value: fmtMs(ack.p99), target: '', note: `p50 ${fmtMs(ack.p50)} (p99 shown), ${fmtInt(rate)} ev/s` },
      ...cost,
    );
    printTable('log streams', figures);
  } finally {
    load.stop();
    remote.stop();
    await server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Steady {
  offered: number;
  /** Events acknowledged per second, from the first request sent to the last acknowledgement. */
  achieved: number;
  /** Record id -> when its request was acknowledged (performance clock). */
  acked: Map<string, number>;
  ackMs: number[];
}

/**
 * Posts `rate` events/s for `seconds`, one request every TICK_MS on a fixed schedule (a slow answer
 * does not delay the next request); bodies are made before the clock starts. Notes when each id was
 * acknowledged.
 */
async function steadyLag(server: BenchServer, rate: number, seconds: number, tag: string): Promise<Steady> {
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const ticks = Math.round((seconds * 1000) / TICK_MS);
  const batches = Array.from({ length: ticks }, (_, tick) => Array.from({ length: perTick }, (_, i) => `${tag}_${tick}_${i}`));
  const bodies = batches.map((ids) => JSON.stringify({ data: events(ids) }));
  const headers = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' };
  const acked = new Map<string, number>();
  const ackMs: number[] = [];
  const posts: Promise<void>[] = [];
  const start = performance.now();
  let lastAck = start;
  for (let tick = 0; tick < ticks; tick++) {
    const wait = start + tick * TICK_MS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const t0 = performance.now();
    posts.push(
      fetch(`${server.url}/v1/organization/audit_logs`, { method: 'POST', headers, body: bodies[tick] }).then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`ingest answered ${res.status}`);
        const at = performance.now();
        lastAck = Math.max(lastAck, at);
        ackMs.push(at - t0);
        for (const id of batches[tick] as string[]) acked.set(id, at);
      }),
    );
  }
  await Promise.all(posts);
  return { offered: rate, achieved: acked.size / ((lastAck - start) / 1000), acked, ackMs };
}

interface Phase {
  rate: number;
  /** Server CPU per event stored; with streams, until they caught up. */
  cpuUs: number;
  p99: number;
  /** With streams: records behind (all streams) when the ingest stopped, seconds to catch up. */
  behind?: number;
  catchUpSeconds?: number;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * The ingest load of the load-generator process (4 clients, 500 events per request) in alternating
 * phases: 0 streams, 10 active webhook streams, 0, 10, ... 0. Each phase with streams is compared
 * with the mean of the phases either side (the machine's load and the store's size drift slowly), and
 * the median of those ratios is the figure. Server CPU per event counts the streams' delivery until
 * they caught up with the phase's events; the streams are removed after.
 */
async function ingestCost(server: BenchServer, remote: ReceiverProcess, load: LoadGenerator, sizes: Sizes): Promise<Figure[]> {
  const [org] = await server.store.keys.listOrganizations();
  const head = async () => (await server.store.logStreams.streamHeads(String(org?.id))).audit;
  let made = 0;
  const phase = async (streams: number): Promise<Phase> => {
    const ids: string[] = [];
    for (let i = 0; i < streams; i++) {
      const stream = await call(server.url, 'POST', '/v1/organization/log_streams', {
        name: `cost-${made}`,
        sink: { type: 'webhook', url: `${remote.url}/hook/${made++}` },
        batch: BATCH,
      });
      ids.push(String(stream.id));
    }
    const before = await head();
    const cpu0 = process.cpuUsage();
    const result = await load.run({
      kind: 'ingest',
      url: server.url,
      key: BENCH_ADMIN_KEY,
      clients: 4,
      eventsPerRequest: 500,
      warmupMs: 500,
      durationMs: sizes.costSeconds * 1000,
      seed: 15,
    });
    // The streams' own writes are not events: events are counted by sequence numbers (warm-up included, as is its CPU).
    const stored = Math.max(1, (await head()) - before);
    const out: Phase = { rate: result.events / (result.elapsedMs / 1000), cpuUs: 0, p99: latencySummary(result.latenciesMs).p99 };
    const ended = performance.now();
    if (streams > 0) {
      out.behind = await totalLag(server, String(org?.id), ids);
      while ((await totalLag(server, String(org?.id), ids)) > 0) await new Promise((r) => setTimeout(r, 50));
      out.catchUpSeconds = (performance.now() - ended) / 1000;
    }
    // Every phase's CPU runs on at least SETTLE_MS past its ingest, so work the events leave behind
    // (commits, GC, the ledger's timers) counts alike with and without streams.
    const settle = ended + SETTLE_MS - performance.now();
    if (settle > 0) await new Promise((r) => setTimeout(r, settle));
    const cpu = process.cpuUsage(cpu0);
    out.cpuUs = (cpu.user + cpu.system) / stored;
    for (const id of ids) await call(server.url, 'DELETE', `/v1/organization/log_streams/${id}`);
    return out;
  };
  const off: Phase[] = [];
  const on: Phase[] = [];
  for (let i = 0; i < sizes.pairs; i++) {
    progress(`ingest cost: 0 streams (${i + 1} of ${sizes.pairs + 1}), ${sizes.costSeconds} s`);
    off.push(await phase(0));
    progress(`ingest cost: ${STREAMS} streams (${i + 1} of ${sizes.pairs}), ${sizes.costSeconds} s`);
    on.push(await phase(STREAMS));
  }
  progress(`ingest cost: 0 streams (${sizes.pairs + 1} of ${sizes.pairs + 1}), ${sizes.costSeconds} s`);
  off.push(await phase(0));
  const delivered = Object.entries(await remote.counts())
    .filter(([p]) => p.startsWith('/hook/'))
    .reduce((n, [, c]) => n + c.records, 0);
  const around = (i: number, f: (p: Phase) => number) => (f(off[i] as Phase) + f(off[i + 1] as Phase)) / 2;
  const rateRatios = on.map((p, i) => p.rate / around(i, (q) => q.rate));
  const cpuRatios = on.map((p, i) => p.cpuUs / around(i, (q) => q.cpuUs));
  const rateRatio = median(rateRatios);
  const cpuRatio = median(cpuRatios);
  const list = (ps: Phase[], f: (p: Phase) => string) => ps.map(f).join(' / ');
  return [
    {
      name: 'ingest, 0 streams (4 clients, 500/request)',
      value: `${fmtInt(median(off.map((p) => p.rate)))} ev/s`,
      target: '(median)',
      note: `runs ${list(off, (p) => fmtInt(p.rate))} ev/s; server CPU ${list(off, (p) => p.cpuUs.toFixed(0))} µs/event; request p99 ${list(off, (p) => fmtMs(p.p99))}`,
    },
    {
      name: `ingest, ${STREAMS} active webhook streams`,
      value: `${fmtInt(median(on.map((p) => p.rate)))} ev/s`,
      target: '(median)',
      note: `runs ${list(on, (p) => fmtInt(p.rate))} ev/s; server CPU ${list(on, (p) => p.cpuUs.toFixed(0))} µs/event (delivery included); request p99 ${list(on, (p) => fmtMs(p.p99))}; records behind at the end ${list(on, (p) => fmtInt(p.behind ?? 0))}, caught up in ${list(on, (p) => `${(p.catchUpSeconds ?? 0).toFixed(1)} s`)}; ${fmtInt(delivered)} delivered`,
    },
    {
      name: `ingest rate, ${STREAMS} streams / 0 streams`,
      value: fmtRatio(rateRatio),
      target: '>= 0.90x',
      met: rateRatio >= 0.9,
      note: `median of ${on.length} phases, each against the mean of the 0-stream phases either side: ${rateRatios.map(fmtRatio).join(' / ')}`,
    },
    {
      name: `server CPU per event, ${STREAMS} streams / 0 streams`,
      value: fmtRatio(cpuRatio),
      target: '<= 1.10x',
      met: cpuRatio <= 1.1,
      note: `median, as above: ${cpuRatios.map(fmtRatio).join(' / ')}`,
    },
  ];
}

/** Records behind, over the streams `ids`: read from the store (HTTP GETs would add their own CPU to the phase's). */
async function totalLag(server: BenchServer, orgId: string, ids: string[]): Promise<number> {
  const head = (await server.store.logStreams.streamHeads(orgId)).audit;
  const streams = (await server.store.logStreams.listLogStreams(orgId)).filter((s) => ids.includes(s.id));
  return streams.reduce((n, s) => n + Math.max(0, head - s.auditCursor), 0);
}
