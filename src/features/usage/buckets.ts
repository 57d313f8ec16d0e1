/**
 * Bucket maths and page cursors, shared by usage and costs.
 *
 * Buckets follow the UTC grid of their width (minutes, hours, days since the epoch), as OpenAI's do:
 * an unaligned start_time gives a short first bucket [start_time, next grid line), then whole grid
 * buckets (docs/usage-and-costs.md). With end_time the last bucket ends at end_time (exclusive);
 * without it the range runs to the end of the grid bucket holding "now". A page holds `limit`
 * buckets; its cursor names the next bucket, the pinned end and a hash of the query, so a cursor from
 * another query is refused with a 400 on `page`.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import { errors } from '../../lib/errors.js';
import type { UsageSource } from './types.js';

export const WIDTH_SECONDS = { '1m': 60, '1h': 3600, '1d': 86400 } as const;
export type BucketWidth = keyof typeof WIDTH_SECONDS;

/** limit per width: default and maximum (number of buckets per page). */
export const LIMITS: Record<BucketWidth, { default: number; max: number }> = {
  '1d': { default: 7, max: 31 },
  '1h': { default: 24, max: 168 },
  '1m': { default: 60, max: 1440 },
};

export interface PageWindow {
  /** Start of the first bucket of this page, and where the page's data stops (exclusive). */
  from: number;
  to: number;
  /** The query's start_time: the start of the (possibly short) first bucket. */
  start: number;
  width: number;
  /** Bucket starts of the page. */
  buckets: { start: number; end: number }[];
  /** The cursor of the next page, or null on the last page. */
  nextPage: string | null;
  /** The pinned end of the range and the query's hash, which a cursor carries. */
  end?: number;
  hash?: string;
}

/**
 * Most result objects one page holds (summed over its buckets). The page stops after the bucket that
 * reaches it and its next_page continues at the next bucket, so the heaviest legal query
 * (1440 one-minute buckets grouped by every dimension) answers a few MB per page instead of ~60 MB.
 * A single bucket larger than this is still answered whole.
 */
export const MAX_RESULTS_PER_PAGE = 10_000;

/** `buckets` cut after the bucket where the running count of results reaches `max`; the cursor continues there. */
export function boundByResults<B extends { start_time: number; results: unknown[] }>(
  w: PageWindow,
  buckets: B[],
  max = MAX_RESULTS_PER_PAGE,
): { data: B[]; nextPage: string | null } {
  let count = 0;
  for (let i = 0; i < buckets.length - 1; i++) {
    count += (buckets[i] as B).results.length;
    if (count >= max && w.end !== undefined && w.hash !== undefined) {
      const next = (buckets[i + 1] as B).start_time;
      return { data: buckets.slice(0, i + 1), nextPage: encodeCursor({ next, end: w.end, hash: w.hash }) };
    }
  }
  return { data: buckets, nextPage: w.nextPage };
}

/** Buckets the first read of a page covers: every default page (and 1d pages, 1h up to four days) in one read. */
export const FIRST_READ_BUCKETS = 96;

/** The buckets [a, b) of a page window, as a window of their own (plan() reads exactly them). */
function sliceWindow(w: PageWindow, a: number, b: number): PageWindow {
  const buckets = w.buckets.slice(a, b);
  return { ...w, from: (buckets[0] as { start: number }).start, to: (buckets[buckets.length - 1] as { end: number }).end, buckets };
}

/**
 * Reads a page's buckets in slices, in order, until the rows read reach `max` (or the page ends), so
 * a page that boundByResults cuts after a few buckets does not read, parse and hold all of them (the
 * heaviest legal usage query read ~200k rows for a page of 10,000 results: seconds of main-thread
 * work per request). The first slice is FIRST_READ_BUCKETS buckets; later ones are sized from the
 * rows per bucket seen so far. Returns the rows and the window of the buckets read: when reading
 * stopped early its nextPage continues at the first bucket not read, so boundByResults over it cuts
 * where it would have cut over the whole page. `read` gets a window of whole buckets and returns
 * one row per bucket and group (rows of two slices never share a bucket).
 */
export async function readUntilBound<R>(
  w: PageWindow,
  read: (slice: PageWindow) => Promise<R[]>,
  max = MAX_RESULTS_PER_PAGE,
): Promise<{ window: PageWindow; rows: R[] }> {
  const n = w.buckets.length;
  if (n <= FIRST_READ_BUCKETS || w.end === undefined || w.hash === undefined) return { window: w, rows: await read(w) };
  const rows: R[] = [];
  let done = 0;
  let take = FIRST_READ_BUCKETS;
  while (done < n) {
    for (const r of await read(sliceWindow(w, done, done + take))) rows.push(r);
    done += take;
    if (rows.length >= max) break;
    const perBucket = rows.length / done;
    take = perBucket > 0 ? Math.ceil(((max - rows.length) / perBucket) * 1.25) : take * 4;
    take = Math.max(1, Math.min(take, n - done));
  }
  if (done >= n) return { window: w, rows };
  const next = (w.buckets[done] as { start: number }).start;
  return { window: { ...sliceWindow(w, 0, done), nextPage: encodeCursor({ next, end: w.end, hash: w.hash }) }, rows };
}

interface Cursor {
  next: number;
  end: number;
  hash: string;
}

export function queryHash(identity: unknown): string {
  return createHash('sha256').update(canonicalJson(identity)).digest('base64url').slice(0, 16);
}

function encodeCursor(c: Cursor): string {
  return `page_${Buffer.from(JSON.stringify([1, c.next, c.end, c.hash])).toString('base64url')}`;
}

function decodeCursor(page: string): Cursor | null {
  if (!page.startsWith('page_')) return null;
  try {
    const parsed = JSON.parse(Buffer.from(page.slice(5), 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== 1) return null;
    const [, next, end, hash] = parsed as [number, unknown, unknown, unknown];
    if (!Number.isSafeInteger(next) || !Number.isSafeInteger(end) || typeof hash !== 'string') return null;
    return { next: next as number, end: end as number, hash };
  } catch {
    return null;
  }
}

export interface WindowRequest {
  start: number;
  /** Explicit end_time, or undefined for "to the end of the bucket holding now". */
  end: number | undefined;
  width: number;
  limit: number;
  page: string | undefined;
  now: number;
  /** Everything that makes two queries the same query (not limit, not page). */
  identity: unknown;
}

/** The first grid line after t: where the bucket holding t ends. */
export function nextGridLine(t: number, width: number): number {
  return t - (((t % width) + width) % width) + width;
}

export function pageWindow(r: WindowRequest): PageWindow {
  const hash = queryHash(r.identity);
  let end = r.end ?? Math.max(nextGridLine(r.start, r.width), nextGridLine(r.now, r.width));
  let from = r.start;
  if (r.page !== undefined) {
    const c = decodeCursor(r.page);
    // Every bucket after the first starts on the grid.
    const fits = c && c.hash === hash && c.next > r.start && c.next < c.end && c.next % r.width === 0;
    if (!c || !fits) throw errors.invalidParam('page', "Invalid 'page': not a next_page cursor of this query (same parameters, except limit).");
    from = c.next;
    end = c.end;
  }
  if (r.end === undefined && r.start > r.now) end = r.start;
  const buckets: { start: number; end: number }[] = [];
  let s = from;
  while (s < end && buckets.length < r.limit) {
    const next = nextGridLine(s, r.width);
    buckets.push({ start: s, end: Math.min(next, end) });
    s = next;
  }
  const to = buckets.length ? (buckets[buckets.length - 1] as { end: number }).end : from;
  const nextPage = s < end ? encodeCursor({ next: s, end, hash }) : null;
  return { from, to, start: r.start, width: r.width, buckets, nextPage, end, hash };
}

export interface PlanSegment {
  source: UsageSource;
  from: number;
  to: number;
  /** Grouping grid of the segment: bucket start = origin + floor((t - origin) / width) * width. */
  origin: number;
}

const GRAINS: { source: UsageSource; g: number }[] = [
  { source: '1d', g: 86400 },
  { source: '1h', g: 3600 },
  { source: 'raw', g: 1 },
];

/**
 * The sources that together cover [from, to). The short first bucket (start_time off the grid) is
 * its own piece, grouped from start_time; the rest is grouped on the UTC grid. Each piece is read
 * from the coarsest rollup whose grain divides the width for its grain-aligned middle, and from
 * finer sources for its ragged head (start_time off the grain) and tail (end_time off the grain).
 */
export function plan(w: PageWindow, finest: UsageSource = 'raw'): PlanSegment[] {
  const order: UsageSource[] = ['1d', '1h', 'raw'];
  const usable = GRAINS.filter(({ source, g }) => order.indexOf(source) <= order.indexOf(finest) && g <= w.width && w.width % g === 0);
  const out: PlanSegment[] = [];
  const cover = (a: number, b: number, origin: number, grains: typeof usable): void => {
    const [first, ...rest] = grains;
    if (a >= b || !first) return;
    const lo = first.g === 1 ? a : nextGridLine(a - 1, first.g);
    const hi = b - (b % first.g);
    if (lo >= hi) {
      cover(a, b, origin, rest);
      return;
    }
    cover(a, lo, origin, rest);
    out.push({ source: first.source, from: lo, to: hi, origin });
    cover(hi, b, origin, rest);
  };
  const gridFrom = w.from % w.width === 0 ? w.from : Math.min(nextGridLine(w.from, w.width), w.to);
  cover(w.from, gridFrom, w.from, usable);
  cover(gridFrom, w.to, 0, usable);
  return out.sort((x, y) => x.from - y.from);
}
