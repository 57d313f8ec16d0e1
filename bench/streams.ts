/**
 * Log streams (issue 15) on SQLite:
 * - backlog delivery throughput (a replay of N events) to a webhook receiver and to a Splunk HEC
 *   receiver (both answer as their vendors document; the HEC one checks the token and parses the
 *   concatenated events);
 * - end-to-end lag (ingest acknowledgement -> receipt at the receiver, p50/p99) under steady ingest
 *   at the 5k events/s (1k with --quick);
 * - ingest cost of ten active streams: the same ingest load (a load-generator process) with 0, then
 *   10, then 0 streams again in one run; rate and server CPU per event, as ratios.
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
  rate: number;
  seconds: number;
  /** Length of each ingest-cost phase (0, 10, 0 streams). */
  costSeconds: number;
}
const FULL: Sizes = { backlog: 100_000, rate: 5000, seconds: 10, costSeconds: 10 };
const QUICK: Sizes = { backlog: 20_000, rate: 1000, seconds: 4, costSeconds: 4 };
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
    `\nlog streams — SQLite, backlog ${fmtInt(sizes.backlog)}, steady ${fmtInt(sizes.rate)} events/s for ${sizes.seconds} s, ingest cost ${sizes.costSeconds} s per phase, batch ${BATCH.max_records}/${BATCH.max_wait_ms} ms, ${opts.quick ? 'quick' : 'full'} run, Node ${process.version}`,
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

    progress(`steady ingest at ${fmtInt(sizes.rate)} events/s`);
    const steady = await steadyLag(server, sizes);
    await receiver.until(sizes.backlog + steady.sent);
    // A record can reach the receiver before its ingest answer reaches the client: that lag counts as 0.
    const lags = [...steady.acked].map(([id, at]) => Math.max(0, (receiver.arrived.get(id) as number) - at));
    const lag = latencySummary(lags);
    const ack = latencySummary(steady.ackMs);
    const rate = steady.sent / sizes.seconds;
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
        name: `lag p99 (ingest ack -> receiver), ${fmtInt(rate)} ev/s`,
        value: fmtMs(lag.p99),
        target: '<= 1000 ms at 5k/s',
        // The target is set at 5k/s: judged only when the run reached it.
        met: rate >= 5000 ? lag.p99 <= 1000 : undefined,
        note: `p50 ${fmtMs(lag.p50)}, max ${fmtMs(lag.max)}, n ${fmtInt(lag.n)}${rate < 5000 ? '; below 5k/s, not judged' : ''}`,
      },
      { name: 'ingest ack during delivery', value: fmtMs(ack.p99), target: '', note: `p50 ${fmtMs(ack.p50)} (p99 shown)` },
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

/** Posts `rate` events/s for `seconds` (one request per 100 ms tick); notes when each id was acknowledged. */
async function steadyLag(server: BenchServer, sizes: Sizes) {
  const acked = new Map<string, number>();
  const perTick = Math.max(1, Math.round((sizes.rate * TICK_MS) / 1000));
  const posts: Promise<void>[] = [];
  const ackMs: number[] = [];
  const end = Date.now() + sizes.seconds * 1000;
  let sent = 0;
  for (let tick = 0; Date.now() < end; tick++) {
    const ids = Array.from({ length: perTick }, (_, i) => `s_${tick}_${i}`);
    sent += ids.length;
    const t0 = performance.now();
    posts.push(
      call(server.url, 'POST', '/v1/organization/audit_logs', { data: events(ids) }).then(() => {
        const at = performance.now();
        ackMs.push(at - t0);
        for (const id of ids) acked.set(id, at);
      }),
    );
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(posts);
  return { acked, ackMs, sent };
}

interface Phase {
  rate: number;
  cpuUs: number;
  p99: number;
}

/**
 * The ingest load of the load-generator process (4 clients, 500 events per request) with 0, then
 * 10 active webhook streams, then 0 again; the streams are removed after their phase (once they
 * caught up, which is timed). Rates and server CPU per event compared in the same run.
 */
async function ingestCost(server: BenchServer, remote: ReceiverProcess, load: LoadGenerator, sizes: Sizes): Promise<Figure[]> {
  const phase = async (label: string): Promise<Phase> => {
    progress(`ingest cost: ${label}, ${sizes.costSeconds} s`);
    const [org] = await server.store.keys.listOrganizations();
    const head = async () => (await server.store.logStreams.streamHeads(String(org?.id))).audit;
    const before = await head();
    const cpu0 = process.cpuUsage();
    const result = await load.run({
      kind: 'ingest',
      url: server.url,
      key: BENCH_ADMIN_KEY,
      clients: 4,
      eventsPerRequest: 500,
      warmupMs: 1000,
      durationMs: sizes.costSeconds * 1000,
      seed: 15,
    });
    const cpu = process.cpuUsage(cpu0);
    // Server CPU per event stored, warm-up included (the streams' own writes are not events: counted by sequence numbers).
    const stored = Math.max(1, (await head()) - before);
    return { rate: result.events / (result.elapsedMs / 1000), cpuUs: (cpu.user + cpu.system) / stored, p99: latencySummary(result.latenciesMs).p99 };
  };
  const off1 = await phase('0 streams');
  const ids: string[] = [];
  for (let i = 0; i < STREAMS; i++) {
    const made = await call(server.url, 'POST', '/v1/organization/log_streams', {
      name: `cost-${i}`,
      sink: { type: 'webhook', url: `${remote.url}/hook/${i}` },
      batch: BATCH,
    });
    ids.push(String(made.id));
  }
  const on = await phase(`${STREAMS} streams`);
  const behindAtEnd = await totalLag(server.url, ids);
  const t0 = performance.now();
  while ((await totalLag(server.url, ids)) > 0) await new Promise((r) => setTimeout(r, 50));
  const catchUpSeconds = (performance.now() - t0) / 1000;
  const delivered = Object.entries(await remote.counts())
    .filter(([p]) => p.startsWith('/hook/'))
    .reduce((n, [, c]) => n + c.records, 0);
  for (const id of ids) await call(server.url, 'DELETE', `/v1/organization/log_streams/${id}`);
  const off2 = await phase('0 streams again');
  const offRate = (off1.rate + off2.rate) / 2;
  const offCpu = (off1.cpuUs + off2.cpuUs) / 2;
  return [
    {
      name: 'ingest, 0 streams (4 clients, 500/request)',
      value: `${fmtInt(offRate)} ev/s`,
      target: '(baseline)',
      note: `runs ${fmtInt(off1.rate)} and ${fmtInt(off2.rate)} ev/s; server CPU ${off1.cpuUs.toFixed(0)} / ${off2.cpuUs.toFixed(0)} µs/event; request p99 ${fmtMs(off1.p99)} / ${fmtMs(off2.p99)}`,
    },
    {
      name: `ingest, ${STREAMS} active webhook streams`,
      value: `${fmtInt(on.rate)} ev/s`,
      target: '',
      note: `server CPU ${on.cpuUs.toFixed(0)} µs/event; request p99 ${fmtMs(on.p99)}; ${fmtInt(behindAtEnd)} records behind (all streams) at the end, caught up ${catchUpSeconds.toFixed(1)} s later; ${fmtInt(delivered)} delivered`,
    },
    {
      name: `ingest rate, ${STREAMS} streams / 0 streams`,
      value: fmtRatio(on.rate / offRate),
      target: '>= 0.90x',
      met: on.rate / offRate >= 0.9,
      note: `server CPU per event ${fmtRatio(on.cpuUs / offCpu)} (delivery included)`,
    },
  ];
}

async function totalLag(url: string, ids: string[]): Promise<number> {
  let n = 0;
  for (const id of ids) n += Number(((await call(url, 'GET', `/v1/organization/log_streams/${id}`)).lag as { records: number }).records);
  return n;
}
