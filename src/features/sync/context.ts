/** What every mirrored stream shares during one run. */
import type { Clock } from '../../lib/clock.js';
import type { Writer } from '../../lib/writer.js';
import type { AuditReads, AuditWrites } from '../audit-logs/store.js';
import type { CostReads, CostWrites } from '../costs/store.js';
import type { UsageReads, UsageWrites } from '../usage/store.js';
import type { Side } from './sides.js';
import type { SyncReads, SyncWrites } from './store.js';
import type { SyncCursor } from './types.js';

/** The parts a mirror reads and writes, in one transaction where a step needs it. */
export interface MirrorStore extends Writer<{ audit: AuditWrites; usage: UsageWrites; costs: CostWrites; sync: SyncWrites }> {
  readonly audit: AuditReads;
  readonly usage: UsageReads;
  readonly costs: CostReads;
  readonly sync: SyncReads;
}

export interface SyncSettings {
  /** First time a stream is mirrored it starts here (Unix seconds). */
  since: number;
  /** Usage and cost buckets younger than this are not taken yet (still filling upstream). */
  settleSeconds: number;
  /** The closed buckets re-read on every run, so late upstream changes arrive as corrections. */
  rereadSeconds: number;
  /** Audit windows start this far before the previous run's end, to catch late-arriving events. */
  auditOverlapSeconds: number;
  dryRun: boolean;
}

export interface StreamResult {
  stream: string;
  added: number;
  corrections: number;
  /** Upstream items the local store already had (a re-read window). */
  unchanged: number;
}

export interface SyncContext {
  store: MirrorStore;
  orgId: string;
  clock: Clock;
  upstream: Side;
  local: Side;
  settings: SyncSettings;
  /** Run start: every stream's window ends at or before it. */
  now: number;
  cursors: Map<string, SyncCursor>;
  progress: (stream: string, done: number, total: number | null) => void;
  log: (line: string) => void;
}

/** The cursor after a step: the new position, the records added; written in the step's transaction. */
export function nextCursor(ctx: SyncContext, stream: string, position: number, added: number): SyncCursor {
  const prev = ctx.cursors.get(stream);
  const next: SyncCursor = { orgId: ctx.orgId, stream, position, lastRunAt: ctx.now, lastError: null, records: (prev?.records ?? 0) + added };
  ctx.cursors.set(stream, next);
  return next;
}

export async function saveCursor(tx: { sync: SyncWrites }, ctx: SyncContext, stream: string, position: number, added: number): Promise<void> {
  if (ctx.settings.dryRun) return;
  await tx.sync.putSyncCursor(nextCursor(ctx, stream, position, added));
}
