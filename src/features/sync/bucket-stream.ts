/**
 * Usage and costs: closed upstream buckets (older than the settle delay) read page by page, each page
 * compared with what the local server answers for the same buckets and grouping, and the difference
 * written as records with deterministic ids: the first copy of a bucket under (stream, bucket start,
 * dimensions), a later change as a correction record holding the signed difference, so records stay
 * append-only and local totals equal the upstream's. Every run re-reads the last closed day.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { UsageBucket, UsagePage } from '../usage/query.js';
import { type StreamResult, type SyncContext, saveCursor } from './context.js';
import { readAhead } from './read-ahead.js';
import type { BucketPageRequest, Side } from './sides.js';
import { UpstreamError } from './upstream.js';

type Result = Record<string, unknown>;

/** How one bucket stream reads, compares and writes. */
export interface BucketAdapter<R> {
  stream: string;
  width: '1h' | '1d';
  /** Page size in buckets (the contract's maximum for the width). */
  limit: number;
  /** group_by lists to try in order: the richest the upstream accepts wins (older upstreams know fewer). */
  groupings: string[][];
  dimensions: string[];
  page(side: Side, r: BucketPageRequest): Promise<UsagePage>;
  /** The record bringing `local` to `upstream` (either may be absent), or null when they are equal. */
  difference(bucketStart: number, upstream: Result | undefined, local: Result | undefined, id: string): R | null;
  /** Inserts the records whose id is new and moves the cursor, in one transaction. */
  write(ctx: SyncContext, records: R[], cursor: { position: number; added: number }): Promise<void>;
}

const SECONDS = { '1h': 3600, '1d': 86400 } as const;

export function shortHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 22);
}

function keyOf(dimensions: string[], r: Result): string {
  return JSON.stringify(dimensions.map((d) => r[d] ?? null));
}

/** The records that make the local buckets equal the upstream's. */
export function reconcile<R>(
  a: BucketAdapter<R>,
  up: UsageBucket[],
  local: UsageBucket[],
  runAt: number,
  /** Set for buckets read at another width than the stream's (the daily fallback): keeps their ids apart. */
  width?: '1d',
): { records: R[]; corrections: number; unchanged: number } {
  const localByStart = new Map(local.map((b) => [b.start_time, b]));
  const records: R[] = [];
  let unchanged = 0;
  let corrections = 0;
  for (const bucket of up) {
    const mine = new Map((localByStart.get(bucket.start_time)?.results ?? []).map((r) => [keyOf(a.dimensions, r), r]));
    const theirs = new Map(bucket.results.map((r) => [keyOf(a.dimensions, r), r]));
    for (const key of new Set([...theirs.keys(), ...mine.keys()])) {
      const u = theirs.get(key);
      const l = mine.get(key);
      const base = `sync_${shortHash(width ? [a.stream, bucket.start_time, key, width] : [a.stream, bucket.start_time, key])}`;
      // A bucket's first copy has the id of (stream, start, dimensions); a correction also names what it corrects.
      const id = l === undefined ? base : `${base}_${shortHash([u ?? null, l, runAt]).slice(0, 12)}`;
      const record = a.difference(bucket.start_time, u, l, id);
      if (!record) unchanged++;
      else {
        records.push(record);
        if (l !== undefined) corrections++;
      }
    }
  }
  return { records, corrections, unchanged };
}

/** Windows (one page of buckets each) read ahead of the one being compared and written. */
const READ_AHEAD = 4;
/** Records written per transaction: one COMMIT per few thousand records, not per page. */
const RECORDS_PER_WRITE = 5000;

interface Window {
  start: number;
  end: number;
}

/** One upstream page of a window; `fallback`: read at 1d because the upstream refused 1h there. */
interface Part {
  page: UsagePage;
  fallback: boolean;
}

const DAY = 86400;

/** A 400 for a bucket request: the upstream does not serve that width or range. */
const refused = (err: unknown) => err instanceof UpstreamError && err.status === 400;

export async function syncBuckets<R>(ctx: SyncContext, a: BucketAdapter<R>): Promise<StreamResult> {
  const result: StreamResult = { stream: a.stream, added: 0, corrections: 0, unchanged: 0 };
  const width = SECONDS[a.width];
  const closedEnd = Math.floor((ctx.now - ctx.settings.settleSeconds) / width) * width;
  const cursor = ctx.cursors.get(a.stream);
  const first = Math.floor(ctx.settings.since / width) * width;
  const start = cursor ? Math.max(first, Math.min(cursor.position, closedEnd - Math.ceil(ctx.settings.rereadSeconds / width) * width)) : first;
  if (start >= closedEnd) return result;
  const total = (closedEnd - start) / width;
  // One page's worth of buckets per window, so windows can be read concurrently (page tokens cannot).
  const windows: Window[] = [];
  for (let s = start; s < closedEnd; s += a.limit * width) windows.push({ start: s, end: Math.min(closedEnd, s + a.limit * width) });
  const request = (w: Window, g: string[], page?: string): BucketPageRequest => ({
    start: w.start,
    end: w.end,
    width: a.width,
    groupBy: g,
    limit: a.limit,
    page,
  });
  // The newest window's first page settles which grouping the upstream accepts (the newest, because an
  // upstream may refuse hourly buckets far back); every other window is read with it.
  const newest = windows.length - 1;
  let opening: { page?: UsagePage; groupBy: string[] };
  try {
    opening = await firstPage(ctx, a, (g) => request(windows[newest] as Window, g));
  } catch (err) {
    if (a.width !== '1h' || !refused(err)) throw err;
    // Refused whatever the grouping: the window reaches back before the upstream's hourly range; ask about the newest day.
    const day = { start: Math.max((windows[newest] as Window).start, closedEnd - DAY), end: closedEnd };
    opening = { groupBy: (await firstPage(ctx, a, (g) => request(day, g))).groupBy };
  }
  const groupBy = opening.groupBy;
  const pagesOf = async (w: Window, width: '1h' | '1d', first?: UsagePage): Promise<Part[]> => {
    const parts: Part[] = [];
    let page = first ?? (await a.page(ctx.upstream, { ...request(w, groupBy), width, limit: width === a.width ? a.limit : 31 }));
    for (;;) {
      parts.push({ page, fallback: width !== a.width });
      if (!page.has_more || !page.next_page) return parts;
      page = await a.page(ctx.upstream, { ...request(w, groupBy, page.next_page), width, limit: width === a.width ? a.limit : 31 });
    }
  };
  let warned = false;
  const reads = readAhead(windows.length, READ_AHEAD, async (i) => {
    const w = windows[i] as Window;
    try {
      return await pagesOf(w, a.width, i === newest ? opening.page : undefined);
    } catch (err) {
      if (a.width !== '1h' || !refused(err)) throw err;
    }
    // The upstream refuses hourly buckets this far back: day by day, hourly where it serves them, else one daily bucket.
    const parts: Part[] = [];
    for (let d = w.start; d < w.end; ) {
      const next = Math.min(w.end, (Math.floor(d / DAY) + 1) * DAY);
      try {
        parts.push(...(await pagesOf({ start: d, end: next }, '1h')));
      } catch (err) {
        if (!refused(err)) throw err;
        if (!warned)
          ctx.log(
            `${a.stream}: the upstream serves no 1h buckets for ${new Date(d * 1000).toISOString().slice(0, 10)}; older days are mirrored as daily buckets`,
          );
        warned = true;
        parts.push(...(await pagesOf({ start: d, end: next }, '1d')));
      }
      d = next;
    }
    return parts;
  });
  let pending: R[] = [];
  let position: number | null = null;
  let done = 0;
  let read = 0;
  for await (const parts of reads) {
    read++;
    for (const { page: upPage, fallback } of parts) {
      const buckets = upPage.data;
      if (buckets.length === 0) continue;
      const from = (buckets[0] as UsageBucket).start_time;
      const to = (buckets[buckets.length - 1] as UsageBucket).end_time;
      const pageWidth = fallback ? '1d' : a.width;
      const local = await a.page(ctx.local, { start: from, end: to, width: pageWidth, groupBy, limit: buckets.length });
      const { records, corrections, unchanged } = reconcile(a, buckets, local.data, ctx.now, fallback ? '1d' : undefined);
      result.unchanged += unchanged;
      for (const r of records) pending.push(r);
      position = Math.max(cursor?.position ?? 0, to);
      result.added += records.length - corrections;
      result.corrections += corrections;
      done += buckets.length;
      ctx.progress(a.stream, done, total);
    }
    const last = read === windows.length;
    if (position !== null && (pending.length >= RECORDS_PER_WRITE || last)) {
      if (!ctx.settings.dryRun) await a.write(ctx, pending, { position, added: pending.length });
      pending = [];
    }
  }
  return result;
}

async function firstPage<R>(
  ctx: SyncContext,
  a: BucketAdapter<R>,
  request: (g: string[]) => BucketPageRequest,
): Promise<{ page: UsagePage; groupBy: string[] }> {
  let lastError: unknown;
  for (const g of a.groupings) {
    try {
      return { page: await a.page(ctx.upstream, request(g)), groupBy: g };
    } catch (err) {
      // An older upstream refuses a newer grouping with a 400: try the next, smaller one.
      if (!(err instanceof UpstreamError) || err.status !== 400) throw err;
      lastError = err;
      ctx.log(`${a.stream}: upstream refused group_by=${g.join(',')}; trying fewer dimensions`);
    }
  }
  throw lastError;
}

export { saveCursor };
