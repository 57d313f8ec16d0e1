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
  const out: string[] = [];
  for (const tenantOnly of [false, true]) {
    let after: string | undefined;
    for (;;) {
      const text = await side.auditPage({ gte, lt, tenantOnly, after, limit: PAGE });
      const page = JSON.parse(text) as ListPage;
      const items = rawArrayItems(text, 'data');
      out.push(...items);
      if (!page.has_more || !page.last_id || items.length === 0) break;
      after = page.last_id;
    }
  }
  return out;
}

export async function syncAudit(ctx: SyncContext): Promise<StreamResult> {
  const result: StreamResult = { stream: AUDIT_STREAM, added: 0, corrections: 0, unchanged: 0 };
  const cursor = ctx.cursors.get(AUDIT_STREAM);
  const from = cursor && cursor.position > 0 ? Math.max(ctx.settings.since, cursor.position - ctx.settings.auditOverlapSeconds) : ctx.settings.since;
  const end = ctx.now;
  const total = Math.max(1, Math.ceil((end - from) / SLICE));
  let done = 0;
  for (let gte = from; gte < end; gte += SLICE) {
    const lt = Math.min(end, gte + SLICE);
    const raw = await auditSlice(ctx.upstream, gte, lt);
    // Upstream lists newest first; the mirror appends oldest first (stable: equal times keep upstream order).
    const events: ValidEvent[] = raw.map((text, i) => mirroredEvent(text, `upstream audit_logs data[${i}]`)).reverse();
    events.sort((a, b) => a.effectiveAt - b.effectiveAt);
    const added = await writeEvents(ctx, events, lt, result);
    result.added += added;
    ctx.progress(AUDIT_STREAM, ++done, total);
  }
  return result;
}

/** Writes the slice's new events in batches; the last batch moves the cursor to the slice's end. */
async function writeEvents(ctx: SyncContext, events: ValidEvent[], sliceEnd: number, result: StreamResult): Promise<number> {
  let added = 0;
  let i = 0;
  do {
    const batch = events.slice(i, i + MAX_EVENTS_PER_BATCH);
    i += MAX_EVENTS_PER_BATCH;
    const last = i >= events.length;
    if (ctx.settings.dryRun) {
      const known = await ctx.store.write((tx) =>
        tx.audit.findAuditEventHashes(
          ctx.orgId,
          batch.map((e) => e.clientId as string),
        ),
      );
      added += batch.filter((e) => !known.has(e.clientId as string)).length;
      continue;
    }
    added += await ctx.store.write(async (tx) => {
      const known = await tx.audit.findAuditEventHashes(
        ctx.orgId,
        batch.map((e) => e.clientId as string),
      );
      const seen = new Set<string>();
      const fresh = batch.filter((e) => {
        const id = e.clientId as string;
        if (known.has(id) || seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      result.unchanged += batch.length - fresh.length;
      if (fresh.length > 0) await appendAuditEvents(tx, ctx.orgId, fresh, ctx.clock);
      if (last) await saveCursor(tx, ctx, AUDIT_STREAM, sliceEnd, fresh.length);
      return fresh.length;
    });
  } while (i < events.length);
  return added;
}
