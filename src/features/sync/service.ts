/**
 * One mirror run: every selected stream in turn (audit, usage per kind, costs), each from its durable
 * cursor. A stream's failure is recorded on its cursor (`--status`, /metrics) and the run goes on with
 * the next stream, except a refused key (401/403), which stops the run at once.
 */
import type { Clock } from '../../lib/clock.js';
import { USAGE_KIND_NAMES, type UsageKindName } from '../usage/kinds.js';
import { AUDIT_STREAM, syncAudit } from './audit-stream.js';
import type { MirrorStore, StreamResult, SyncContext, SyncSettings } from './context.js';
import { COSTS_STREAM, syncCosts } from './costs-stream.js';
import { acquireSyncLock } from './lock.js';
import { LocalSide, type Side } from './sides.js';
import type { SyncCursor } from './types.js';
import { UpstreamError } from './upstream.js';
import { syncUsage, usageStream } from './usage-stream.js';

export type SyncPart = 'audit' | 'usage' | 'costs';
/** Streams mirrored at once (audit is the long one; usage kinds and costs run beside it). */
const STREAMS_AT_ONCE = 3;
export const SYNC_PARTS: SyncPart[] = ['audit', 'usage', 'costs'];

export interface RunOptions {
  store: MirrorStore;
  orgId: string;
  clock: Clock;
  upstream: Side;
  settings: SyncSettings;
  only: SyncPart[];
  /** Usage kinds to mirror (default: every kind the contract has; `decisions` only where the upstream serves it). */
  kinds?: UsageKindName[];
  progress?: (stream: string, done: number, total: number | null) => void;
  log?: (line: string) => void;
}

export interface RunSummary {
  streams: (StreamResult & { error: string | null })[];
  seconds: number;
}

/** The usage kinds of the 2026 contract; `decisions` is a newest-SDK kind many upstreams lack. */
export const DEFAULT_KINDS: UsageKindName[] = USAGE_KIND_NAMES.filter((k) => k !== 'decisions');

export function streamsOf(only: SyncPart[], kinds: UsageKindName[]): string[] {
  const out: string[] = [];
  if (only.includes('audit')) out.push(AUDIT_STREAM);
  if (only.includes('usage')) out.push(...kinds.map(usageStream));
  if (only.includes('costs')) out.push(COSTS_STREAM);
  return out;
}

/** One run under the organization's sync lock (a dry run writes nothing and takes none); SyncLockedError when another holds it. */
export async function runSync(o: RunOptions): Promise<RunSummary> {
  if (o.settings.dryRun) return runStreams(o);
  const held = await acquireSyncLock(o.store, o.orgId, o.clock);
  try {
    return await runStreams(o);
  } finally {
    await held.release();
  }
}

async function runStreams(o: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const cursors = new Map((await o.store.sync.listSyncCursors(o.orgId)).map((c) => [c.stream, c]));
  const ctx: SyncContext = {
    store: o.store,
    orgId: o.orgId,
    clock: o.clock,
    upstream: o.upstream,
    local: new LocalSide(o.store, o.orgId, o.clock),
    settings: o.settings,
    now: o.clock.nowSeconds(),
    cursors,
    progress: o.progress ?? (() => undefined),
    log: o.log ?? (() => undefined),
  };
  const kinds = o.kinds ?? DEFAULT_KINDS;
  const jobs: { stream: string; run: () => Promise<StreamResult> }[] = [];
  if (o.only.includes('audit')) jobs.push({ stream: AUDIT_STREAM, run: () => syncAudit(ctx) });
  if (o.only.includes('usage')) for (const k of kinds) jobs.push({ stream: usageStream(k), run: () => syncUsage(ctx, k) });
  if (o.only.includes('costs')) jobs.push({ stream: COSTS_STREAM, run: () => syncCosts(ctx) });
  // Streams are independent: a few run at once (the client's pacing still caps the upstream request
  // rate), each writing in its own transactions. The summary keeps the jobs' order.
  const streams: RunSummary['streams'] = new Array(jobs.length);
  let next = 0;
  let fatal: unknown = null;
  const worker = async () => {
    while (next < jobs.length && fatal === null) {
      const index = next++;
      const job = jobs[index] as (typeof jobs)[number];
      try {
        const r = await job.run();
        streams[index] = { ...r, error: null };
        await note(ctx, job.stream, null);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        streams[index] = { stream: job.stream, added: 0, corrections: 0, unchanged: 0, error: message };
        await note(ctx, job.stream, message);
        if (err instanceof UpstreamError && err.fatal && fatal === null) fatal = err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(STREAMS_AT_ONCE, jobs.length) }, worker));
  if (fatal !== null) throw fatal;
  return { streams, seconds: (Date.now() - started) / 1000 };
}

/** Records the run's time and outcome on the stream's cursor (a stream never synced keeps no cursor). */
async function note(ctx: SyncContext, stream: string, error: string | null): Promise<void> {
  if (ctx.settings.dryRun) return;
  const prev = ctx.cursors.get(stream);
  if (!prev && error === null) return;
  const cursor: SyncCursor = prev
    ? { ...prev, lastRunAt: ctx.now, lastError: error }
    : { orgId: ctx.orgId, stream, position: 0, lastRunAt: ctx.now, lastError: error, records: 0 };
  await ctx.store.write((tx) => tx.sync.putSyncCursor(cursor));
}
