/**
 * `npm run bench [-- <suite>...] [--quick] [--engine sqlite|postgres]`: runs every suite, or the ones named
 * (`--engine postgres` runs bench/postgres.ts on ORGLEDGER_BENCH_DATABASE_URL or ORGLEDGER_TEST_DATABASE_URL).
 * Benchmarks print figures beside their targets; they never fail on a target.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runAuditBench } from './audit.js';
import { runBodyBlockingBench } from './body-blocking.js';
import { runConsolePaintBench } from './console-paint.js';
import { runFairnessBench } from './fairness.js';
import { runIngestBench } from './ingest.js';
import { runLedgerBench } from './ledger.js';
import { runLiveTailBench } from './live-tail.js';
import { runOtlpBench } from './otlp.js';
import { runPostgresBench } from './postgres.js';
import { runStreamsBench } from './streams.js';
import { runSyncBench } from './sync.js';

const ENGINES = ['sqlite', 'postgres'] as const;

interface Suite {
  name: string;
  run(opts: { quick: boolean }): Promise<void>;
}

async function suites(): Promise<Suite[]> {
  const list: Suite[] = [
    { name: 'audit', run: runAuditBench },
    { name: 'sync', run: runSyncBench },
    { name: 'live-tail', run: runLiveTailBench },
    { name: 'streams', run: runStreamsBench },
  ];
  list.push({ name: 'console', run: runConsolePaintBench });
  // The usage suite lands separately; load it only once its file exists.
  const usageFile = fileURLToPath(new URL('./usage.ts', import.meta.url));
  if (existsSync(usageFile)) {
    const specifier = './usage.js';
    const mod = (await import(specifier)) as { runUsageBench?: (opts: { quick: boolean }) => Promise<void> };
    if (typeof mod.runUsageBench === 'function') list.push({ name: 'usage', run: mod.runUsageBench });
  }
  list.push({ name: 'otlp', run: runOtlpBench });
  list.push({ name: 'ingest', run: runIngestBench });
  list.push({ name: 'ledger', run: runLedgerBench });
  list.push({ name: 'fairness', run: runFairnessBench });
  list.push({ name: 'body-blocking', run: runBodyBlockingBench });
  return list;
}

function usage(known: string[]): string {
  return `usage: npm run bench -- [${known.join('|')}]... [--quick] [--engine ${ENGINES.join('|')}]`;
}

async function main(argv: string[]): Promise<number> {
  const available = await suites();
  const known = available.map((s) => s.name);
  let quick = false;
  let engine = 'sqlite';
  const named: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--engine' || arg.startsWith('--engine=')) {
      const value = arg.includes('=') ? arg.slice('--engine='.length) : argv[++i];
      if (value === undefined || !(ENGINES as readonly string[]).includes(value)) {
        console.error(`bench: unknown engine ${JSON.stringify(value ?? '')}; available: ${ENGINES.join(', ')}`);
        return 2;
      }
      engine = value;
    } else if (arg === '--help' || arg === '-h') {
      console.log(usage(known));
      return 0;
    } else if (arg.startsWith('-')) {
      console.error(`bench: unknown flag ${arg}\n${usage(known)}`);
      return 2;
    } else if (!known.includes(arg)) {
      console.error(`bench: unknown suite '${arg}'; available: ${known.join(', ')}`);
      return 2;
    } else named.push(arg);
  }
  if (engine === 'postgres') {
    // The PostgreSQL figures are one suite of their own (bench/postgres.ts): audit and usage ingest, lists, 2 processes.
    console.log(`orgledger bench: postgres${quick ? ' (quick)' : ''}`);
    await runPostgresBench({ quick });
    return 0;
  }
  const chosen = named.length > 0 ? available.filter((s) => named.includes(s.name)) : available;
  console.log(`orgledger bench: ${chosen.map((s) => s.name).join(', ')} on ${engine}${quick ? ' (quick)' : ''}`);
  for (const suite of chosen) await suite.run({ quick });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
