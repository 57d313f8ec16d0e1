/**
 * Log streams (issue 15), webhook sink on SQLite: backlog delivery throughput (a replay of N events
 * to a local receiver) and end-to-end lag (ingest acknowledgement -> receipt at the receiver, p50/p99)
 * under steady ingest. The deliverer runs with its defaults (poll 200 ms); the receiver is an HTTP
 * listener in this process that answers 204 and notes each record's arrival time.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Figure, fmtInt, fmtMs, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, startBenchServer } from './lib/server.js';

interface Sizes {
  backlog: number;
  rate: number;
  seconds: number;
}
const FULL: Sizes = { backlog: 100_000, rate: 5000, seconds: 10 };
const QUICK: Sizes = { backlog: 20_000, rate: 1000, seconds: 4 };
const TICK_MS = 100;
const BATCH = { max_records: 1000, max_wait_ms: 100 };

async function call(url: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
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
  console.log(
    `\nlog streams — webhook sink, SQLite, backlog ${fmtInt(sizes.backlog)}, steady ${fmtInt(sizes.rate)} events/s for ${sizes.seconds} s, batch ${BATCH.max_records}/${BATCH.max_wait_ms} ms, ${opts.quick ? 'quick' : 'full'} run, Node ${process.version}`,
  );
  const figures: Figure[] = [];
  try {
    progress(`ingesting a backlog of ${fmtInt(sizes.backlog)} events`);
    const backlog = Array.from({ length: sizes.backlog }, (_, i) => `b_${i}`);
    await ingestAll(server.url, backlog);
    const stream = await call(server.url, 'POST', '/v1/organization/log_streams', {
      name: 'bench',
      sink: { type: 'webhook', url: receiver.url },
      batch: BATCH,
    });

    progress('replaying the backlog to the receiver');
    const started = performance.now();
    await call(server.url, 'POST', `/v1/organization/log_streams/${String(stream.id)}/replay`, { from_sequence: 1 });
    await receiver.until(sizes.backlog);
    const drainSeconds = (performance.now() - started) / 1000;
    const drainRequests = receiver.requests();

    progress(`steady ingest at ${fmtInt(sizes.rate)} events/s`);
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
    await receiver.until(sizes.backlog + sent);
    // A record can reach the receiver before its ingest answer reaches the client: that lag counts as 0.
    const lags = [...acked].map(([id, at]) => Math.max(0, (receiver.arrived.get(id) as number) - at));
    const lag = latencySummary(lags);
    const ack = latencySummary(ackMs);
    const rate = sent / sizes.seconds;

    figures.push(
      {
        name: `backlog delivery, ${fmtInt(sizes.backlog)} events`,
        value: `${fmtInt(sizes.backlog / drainSeconds)} rec/s`,
        target: '>= 20,000 rec/s (issue: HEC)',
        met: sizes.backlog / drainSeconds >= 20_000,
        note: `${drainSeconds.toFixed(2)} s, ${drainRequests} requests`,
      },
      {
        name: `lag p99 (ingest ack -> receiver), ${fmtInt(rate)} ev/s`,
        value: fmtMs(lag.p99),
        target: '<= 1000 ms at 5k/s',
        // The target is set at 5k/s: judged only when the run reached it.
        met: rate >= 5000 ? lag.p99 <= 1000 : undefined,
        note: `p50 ${fmtMs(lag.p50)}, max ${fmtMs(lag.max)}, n ${fmtInt(lag.n)}`,
      },
      { name: 'ingest ack during delivery', value: fmtMs(ack.p99), target: '', note: `p50 ${fmtMs(ack.p50)} (p99 shown)` },
    );
    printTable('log streams', figures);
  } finally {
    await server.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
