/**
 * Audit logs: walked with the contract's own paging (newest first, `after=last_id`, limit 100) one
 * day-slice at a time from the oldest, each slice written in ascending effective_at order through the
 * audit log's append path (so whatever hooks there sees mirrored events as any other), deduplicated by
 * the upstream id. The cursor is the end of the last completed slice; a run starts an overlap before
 * it, so late arrivals are caught and a killed run simply redoes its slice.
 */

import type { ValidEvent } from '../audit-logs/event-validation.js';
import { mirroredEvent } from '../audit-logs/event-validation.js';
import { appendAuditEvents, MAX_EVENTS_PER_BATCH } from '../audit-logs/service.js';
import { type StreamResult, type SyncContext, saveCursor } from './context.js';
import { rawArrayItems } from './raw-json.js';
import { readAhead } from './read-ahead.js';
import type { Side } from './sides.js';

export const AUDIT_STREAM = 'audit';
const SLICE = 86400;
const PAGE = 100;

interface ListPage {
  has_more: boolean;
  last_id: string | null;
}

/** Every event of [gte, lt) on one side, as raw texts, both tenant-scoped and not (the contract lists them separately). */
export async function auditSlice(side: Side, gte: number, lt: number): Promise<string[]> {
  // The two lists are independent walks: read them together.
  const [org, tenant] = await Promise.all([false, true].map((tenantOnly) => auditWalk(side, gte, lt, tenantOnly)));
  return (org as string[]).concat(tenant as string[]);
}

async function auditWalk(side: Side, gte: number, lt: number, tenantOnly: boolean): Promise<string[]> {
  const out: string[] = [];
  let after: string | undefined;
  for (;;) {
    const text = await side.auditPage({ gte, lt, tenantOnly, after, limit: PAGE });
    const page = JSON.parse(text) as ListPage;
    const items = rawArrayItems(text, 'data');
    for (const item of items) out.push(item);
    if (!page.has_more || !page.last_id || items.length === 0) break;
    after = page.last_id;
  }
  return out;
}

/** Day-slices read ahead of the one being written (each is two paged walks: tenant_only or not). */
const READ_AHEAD = 4;
/** Events written per transaction: one COMMIT (an fsync) per few thousand events, not per page. */
const EVENTS_PER_WRITE = 5000;

export async function syncAudit(ctx: SyncContext): Promise<StreamResult> {
  const result: StreamResult = { stream: AUDIT_STREAM, added: 0, corrections: 0, unchanged: 0 };
  const cursor = ctx.cursors.get(AUDIT_STREAM);
  const from = cursor && cursor.position > 0 ? Math.max(ctx.settings.since, cursor.position - ctx.settings.auditOverlapSeconds) : ctx.settings.since;
  const end = ctx.now;
  const slices: { gte: number; lt: number }[] = [];
  for (let gte = from; gte < end; gte += SLICE) slices.push({ gte, lt: Math.min(end, gte + SLICE) });
  let pending: ValidEvent[] = [];
  let done = 0;
  const slicesRead = readAhead(slices.length, READ_AHEAD, async (i) => {
    const { gte, lt } = slices[i] as { gte: number; lt: number };
    const raw = await auditSlice(ctx.upstream, gte, lt);
    // Upstream lists newest first; the mirror appends oldest first (stable: equal times keep upstream order).
    const events: ValidEvent[] = raw.map((text, j) => mirroredEvent(text, `upstream audit_logs data[${j}]`)).reverse();
    return events.sort((a, b) => a.effectiveAt - b.effectiveAt);
  });
  for await (const events of slicesRead) {
    const slice = slices[done] as { gte: number; lt: number };
    pending = pending.concat(events);
    done++;
    // Slices are consecutive, so the pending events stay in ascending effective_at across them.
    if (pending.length >= EVENTS_PER_WRITE || done === slices.length) {
      result.added += await writeEvents(ctx, pending, slice.lt, result);
      pending = [];
    }
    ctx.progress(AUDIT_STREAM, done, Math.max(1, slices.length));
  }
  return result;
}

/** Writes the new events in one transaction (appended in batches) and moves the cursor to `end`. */
async function writeEvents(ctx: SyncContext, events: ValidEvent[], end: number, result: StreamResult): Promise<number> {
  const ids = events.map((e) => e.clientId as string);
  if (ctx.settings.dryRun) {
    const known = await ctx.store.write((tx) => tx.audit.findAuditEventHashes(ctx.orgId, ids));
    return new Set(ids.filter((id) => !known.has(id))).size;
  }
  return ctx.store.write(async (tx) => {
    const known = await tx.audit.findAuditEventHashes(ctx.orgId, ids);
    const seen = new Set<string>();
    const fresh = events.filter((e) => {
      const id = e.clientId as string;
      if (known.has(id) || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    result.unchanged += events.length - fresh.length;
    for (let i = 0; i < fresh.length; i += MAX_EVENTS_PER_BATCH) await appendAuditEvents(tx, ctx.orgId, fresh.slice(i, i + MAX_EVENTS_PER_BATCH), ctx.clock);
    await saveCursor(tx, ctx, AUDIT_STREAM, end, fresh.length);
    return fresh.length;
  });
}
