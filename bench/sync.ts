/**
 * The mirror benchmark of issue 14: a local upstream orgledger holding 100k audit events and 90 days
 * of hourly usage of every kind, mirrored by runSync (the code behind `orgledger sync`) over HTTP into
 * a fresh store; then a run that finds nothing new. Unpaced (--max-rps 0): this measures the mirror,
 * not the pacing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogService } from '../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../src/features/keys/service.js';
import { DEFAULT_KINDS, runSync } from '../src/features/sync/service.js';
import { UpstreamSide } from '../src/features/sync/sides.js';
import { UpstreamClient } from '../src/features/sync/upstream.js';
import { ingestUsage } from '../src/features/usage/ingest.js';
import { usageKind } from '../src/features/usage/kinds.js';
import { loadPriceTable } from '../src/features/usage/price-table.js';
import { systemClock } from '../src/lib/clock.js';
import { makeBatch, population, rng } from './lib/events.js';
import { type Figure, fmtInt, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, listenOn, openBenchStore } from './lib/server.js';

const DAY = 86_400;
const HOUR = 3600;

/** One record per hour, kind and project (two projects): every bucket of the 90 days holds data. */
function usageRecords(kind: (typeof DEFAULT_KINDS)[number], from: number, to: number): Record<string, unknown>[] {
  const k = usageKind(kind);
  const out: Record<string, unknown>[] = [];
  for (let t = from; t < to; t += HOUR) {
    for (const project of ['proj_bench_a', 'proj_bench_b']) {
      const r: Record<string, unknown> = { created_at: t + 7, project_id: project };
      if (k.dimensions.includes('model'))
        r.model = kind === 'embeddings' ? 'text-embedding-3-small' : kind === 'moderations' ? 'omni-moderation-latest' : 'gpt-4o';
      for (const m of k.requiredMeasures) r[m] = 10 + (t % 97);
      out.push(r);
    }
  }
  return out;
}

export async function runSyncBench(opts: { quick: boolean }): Promise<void> {
  const events = opts.quick ? 20_000 : 100_000;
  const days = opts.quick ? 30 : 90;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-sync-'));
  const config = benchConfig(dir);
  console.log(
    `\nsync — ${fmtInt(events)} audit events + ${days} days hourly usage of ${DEFAULT_KINDS.length} kinds, SQLite both sides, Node ${process.version}`,
  );
  const upStore = await openBenchStore(config, join(dir, 'up.sqlite'));
  const now = Math.floor(Date.now() / 1000);
  const from = Math.floor((now - days * DAY) / HOUR) * HOUR;
  try {
    progress(`filling the upstream: ${fmtInt(events)} events`);
    const audit = new AuditLogService(upStore, systemClock);
    const r = rng(14);
    const pop = population();
    for (let i = 0; i < events; i += 1000) {
      const batch = makeBatch(r, pop, 1000).map((e) => ({ ...e, effective_at: from + Math.floor(r() * (now - from)) }));
      await audit.ingest(DEFAULT_ORG_ID, batch);
    }
    progress('filling the upstream: hourly usage');
    const prices = loadPriceTable(config.pricesFile);
    let usageCount = 0;
    for (const kind of DEFAULT_KINDS) {
      const records = usageRecords(kind, from, Math.floor(now / HOUR) * HOUR);
      usageCount += records.length;
      for (let i = 0; i < records.length; i += 5000)
        await ingestUsage({ store: upStore, clock: systemClock, prices }, DEFAULT_ORG_ID, kind, records.slice(i, i + 5000));
    }
    const upstream = await listenOn(config, upStore);
    const down = await openBenchStore(config, join(dir, 'down.sqlite'));
    const figures: Figure[] = [];
    try {
      const settings = { since: from, settleSeconds: 2 * HOUR, rereadSeconds: DAY, auditOverlapSeconds: HOUR, dryRun: false };
      for (const [name, target, limit] of [
        ['first run (everything)', '<= 60 s', 60],
        ['second run (nothing new)', '<= 2 s', 2],
      ] as const) {
        progress(`sync: ${name}`);
        const client = new UpstreamClient({ baseUrl: `${upstream.url}/v1`, adminKey: BENCH_ADMIN_KEY, maxRps: 0 });
        const s = await runSync({
          store: down,
          orgId: DEFAULT_ORG_ID,
          clock: systemClock,
          upstream: new UpstreamSide(client),
          settings,
          only: ['audit', 'usage', 'costs'],
        });
        const added = s.streams.reduce((n, x) => n + x.added + x.corrections, 0);
        const failed = s.streams.filter((x) => x.error).map((x) => `${x.stream}: ${x.error}`);
        figures.push({
          name: `${name}`,
          value: `${s.seconds.toFixed(1)} s`,
          target,
          met: s.seconds <= limit && failed.length === 0,
          note: `${fmtInt(added)} records added, ${fmtInt(client.requests)} requests${failed.length ? `; FAILED ${failed.join('; ')}` : ''}`,
        });
      }
      figures.push({ name: 'upstream usage records (input)', value: fmtInt(usageCount), target: '' });
      printTable('sync (orgledger sync against a local upstream)', figures);
    } finally {
      await down.close();
      await upstream.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
