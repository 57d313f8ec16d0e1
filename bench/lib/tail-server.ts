/**
 * The live-tail benchmark's server process (forked by bench/live-tail.ts): the production buildApp()
 * on a SQLite file or a PostgreSQL database, in a process of its own so its CPU, memory and event-loop
 * delay are its own and not the load generators'. Answers `stats` over IPC: CPU seconds and event-loop
 * delay since the last `stats`, RSS now and at its peak, and the live tail's store reads (polls).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/config.js';
import { KeyService } from '../../src/features/keys/service.js';
import { systemClock } from '../../src/lib/clock.js';
import { openStore, storeReady } from '../../src/store/open.js';
import { BENCH_ADMIN_KEY, type BenchServer, listenOn } from './server.js';

export interface TailServerStats {
  cpuSeconds: number;
  rssMb: number;
  peakRssMb: number;
  polls: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

interface Start {
  op: 'start';
  dataDir: string;
  databaseUrl: string;
}

let server: BenchServer<ReturnType<typeof openStore>> | undefined;
let polls = 0;
let cpu = process.cpuUsage();
const loop = monitorEventLoopDelay({ resolution: 5 });

async function start(msg: Start): Promise<string> {
  const config = loadConfig({ env: {}, flags: { dataDir: msg.dataDir, port: 0, logLevel: 'silent', databaseUrl: msg.databaseUrl } });
  const store = openStore(config);
  await storeReady(store);
  await new KeyService(store, systemClock).bootstrap(BENCH_ADMIN_KEY);
  const reads = store.liveTail;
  const original = reads.auditEventsAfter.bind(reads);
  reads.auditEventsAfter = (...args) => {
    polls++;
    return original(...args);
  };
  server = await listenOn(config, store);
  loop.enable();
  return server.url;
}

function stats(): TailServerStats {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const s: TailServerStats = {
    cpuSeconds: (used.user + used.system) / 1e6,
    rssMb: process.memoryUsage.rss() / 2 ** 20,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    polls,
    loopDelayP50Ms: loop.percentile(50) / 1e6,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
  };
  loop.reset();
  return s;
}

process.on('message', (msg: Start | { op: 'stats' } | { op: 'close' }) => {
  const reply = (work: () => Promise<unknown> | unknown) =>
    Promise.resolve()
      .then(work)
      .then(
        (value) => process.send?.({ ok: true, value }),
        (err: unknown) => process.send?.({ ok: false, error: String(err) }),
      );
  if (msg.op === 'start') void reply(() => start(msg));
  else if (msg.op === 'stats') void reply(stats);
  else
    void reply(async () => {
      await server?.close();
      setTimeout(() => process.exit(0), 50);
    });
});
process.send?.({ ready: true });
