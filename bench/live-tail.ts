/**
 * The live-tail benchmark of issue 15: 1,000 Server-Sent Events clients (in a forked process) on one
 * organization while events are ingested over HTTP. Figures: ingest at a steady rate with and without
 * the clients (acknowledgement latency, server CPU), each delivered event's lag from its ingest request
 * (p50, p99, the worst client's p99), the store polls the hub ran for all those clients, and
 * maximum-rate ingest with and without 1,000 connected (idle, filtered) clients.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Figure, fmtInt, fmtMs, latencySummary, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, startBenchServer } from './lib/server.js';
import type { TailClientsReport } from './lib/tail-clients.js';

interface Sizes {
  clients: number;
  seconds: number;
  rate: number;
}
const FULL: Sizes = { clients: 1000, seconds: 10, rate: 200 };
const QUICK: Sizes = { clients: 300, seconds: 4, rate: 100 };
const TICK_MS = 100;

function events(n: number, tag: string): unknown[] {
  const t = Date.now();
  return Array.from({ length: n }, (_, i) => ({ type: 'user.added', 'user.added': { id: `${tag}_${i}` }, project: { id: 'proj_bench', name: `t${t}` } }));
}

async function post(url: string, body: unknown[]): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/organization/audit_logs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: body }),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`ingest answered ${res.status}`);
  return performance.now() - started;
}

/** `rate` events/s in batches every TICK_MS for `seconds`: acknowledgement latencies and server CPU seconds. */
async function steadyIngest(url: string, rate: number, seconds: number) {
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const acks: Promise<number>[] = [];
  let sent = 0;
  const cpu = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  for (let tick = 0; Date.now() < end; tick++) {
    acks.push(post(url, events(perTick, `s${tick}`)));
    sent += perTick;
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const latencies = await Promise.all(acks);
  const used = process.cpuUsage(cpu);
  return { ack: latencySummary(latencies), cpuSeconds: (used.user + used.system) / 1e6, sent };
}

/** 4 posters of 500-event batches as fast as acknowledged for `seconds`: events/s. */
async function maxIngest(url: string, seconds: number): Promise<number> {
  let sent = 0;
  const end = Date.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; Date.now() < end; i++) {
        await post(url, events(500, `m${w}_${i}`));
        sent += 500;
      }
    }),
  );
  return sent / ((performance.now() - started) / 1000);
}

function ask<T>(child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: { ok: boolean; error?: string } & T) => (m.ok ? resolve(m) : reject(new Error(m.error))));
    child.send(msg as object);
  });
}

async function clientsProcess(): Promise<ChildProcess> {
  const child = fork(fileURLToPath(new URL('./lib/tail-clients.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  return child;
}

export async function runLiveTailBench(opts: { quick: boolean }): Promise<void> {
  const sizes = opts.quick ? QUICK : FULL;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-tail-'));
  const config = benchConfig(dir);
  const server = await startBenchServer(config, join(dir, 'tail.sqlite'));
  console.log(
    `\nlive tail — SQLite, ${sizes.clients} clients, ${sizes.rate} events/s for ${sizes.seconds} s, ${opts.quick ? 'quick' : 'full'} run, Node ${process.version}`,
  );
  const figures: Figure[] = [];
  try {
    progress('steady ingest without clients');
    const without = await steadyIngest(server.url, sizes.rate, sizes.seconds);

    progress(`${sizes.clients} clients connecting`);
    const clients = await clientsProcess();
    await ask(clients, { op: 'open', url: `${server.url}/v1/organization/audit_logs/stream`, key: BENCH_ADMIN_KEY, clients: sizes.clients });
    const reads = server.store.liveTail;
    const original = reads.auditEventsAfter.bind(reads);
    let polls = 0;
    reads.auditEventsAfter = (...args) => {
      polls++;
      return original(...args);
    };
    progress(`steady ingest with ${sizes.clients} clients`);
    const withClients = await steadyIngest(server.url, sizes.rate, sizes.seconds);
    await new Promise((r) => setTimeout(r, 1500));
    const tail = (await ask<{ report: TailClientsReport }>(clients, { op: 'report' })).report;
    reads.auditEventsAfter = original;

    progress('maximum-rate ingest without clients');
    const maxBefore = await maxIngest(server.url, sizes.seconds);
    progress(`maximum-rate ingest with ${sizes.clients} idle filtered clients`);
    const idle = await clientsProcess();
    await ask(idle, {
      op: 'open',
      url: `${server.url}/v1/organization/audit_logs/stream?event_types[]=project.archived`,
      key: BENCH_ADMIN_KEY,
      clients: sizes.clients,
    });
    const maxWith = await maxIngest(server.url, sizes.seconds);
    await ask(idle, { op: 'report' });
    // Without clients again, after: the store grew meanwhile; the mean of before and after is the baseline.
    const maxWithout = (maxBefore + (await maxIngest(server.url, sizes.seconds))) / 2;

    const expected = withClients.sent * sizes.clients;
    figures.push(
      { name: `ingest ack p99, ${sizes.rate} ev/s, no clients`, value: fmtMs(without.ack.p99), target: '', note: `p50 ${fmtMs(without.ack.p50)}` },
      {
        name: `ingest ack p99, ${sizes.rate} ev/s, ${sizes.clients} clients`,
        value: fmtMs(withClients.ack.p99),
        target: '',
        note: `p50 ${fmtMs(withClients.ack.p50)}`,
      },
      {
        name: 'server CPU during steady ingest (with / without)',
        value: `${withClients.cpuSeconds.toFixed(2)} / ${without.cpuSeconds.toFixed(2)} s`,
        target: '',
        note: 'the extra is the fan-out: serializing every event to every client',
      },
      { name: 'deliveries to clients', value: fmtInt(tail.deliveries), target: `${fmtInt(expected)} sent`, note: `${tail.ended} streams ended by the server` },
      {
        name: 'lag p99 (ingest request -> client)',
        value: fmtMs(tail.p99),
        target: '<= 1000 ms',
        met: tail.p99 <= 1000,
        note: `p50 ${fmtMs(tail.p50)}, max ${fmtMs(tail.max)}`,
      },
      { name: "worst client's lag p99", value: fmtMs(tail.worstClientP99), target: '<= 1000 ms', met: tail.worstClientP99 <= 1000 },
      { name: `store polls for ${sizes.clients} clients over ${sizes.seconds} s`, value: fmtInt(polls), target: 'one per org per interval or commit' },
      {
        name: `max ingest, ${sizes.clients} idle clients / none`,
        value: `${fmtInt(maxWith)} / ${fmtInt(maxWithout)} ev/s`,
        target: '>= 0.90',
        met: maxWith / maxWithout >= 0.9,
        note: `ratio ${(maxWith / maxWithout).toFixed(2)}`,
      },
    );
    printTable('live tail', figures);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
