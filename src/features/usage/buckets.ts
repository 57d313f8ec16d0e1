/**
 * Bucket maths and page cursors, shared by usage and costs.
 *
 * Buckets follow the UTC grid of their width (minutes, hours, days since the epoch), as OpenAI's do:
 * an unaligned start_time gives a short first bucket [start_time, next grid line), then whole grid
 * buckets (docs/usage-and-costs.md). With end_time the last bucket ends at end_time (exclusive);
 * without it the range runs to the end of the grid bucket holding "now". A page holds `limit`
 * buckets and at most MAX_RESULTS_PER_PAGE results; its cursor names the next bucket (and, when the
 * page was cut inside a bucket, the key of the last result served), the pinned end and a hash of the
 * query, so a cursor from another query is refused with a 400 on `page`.
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
  /** The page continues inside its first bucket, after the result with this key (cursor version 2). */
  after?: SortKey;
}

/**
 * Most result objects one page holds (summed over its buckets). A page stops when it holds this
 * many: its next_page continues at the next bucket, or inside the bucket it cut (cursor version 2),
 * so the heaviest legal query answers a few MB per page instead of ~60 MB, however many groups one
 * bucket holds.
 */
export const MAX_RESULTS_PER_PAGE = 10_000;

/** Where a result stands in its bucket: its grouped values, in the feature's order. */
export type SortKey = (string | boolean | null)[];

/**
 * The order of results inside a bucket, shared by usage and costs: the values compared one by one,
 * null first, then as strings (code units); the first difference decides. Results of one bucket
 * differ in at least one value, so the order is total and the same on every request.
 */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return -1;
    if (y === null) return 1;
    const sx = String(x);
    const sy = String(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The page cut by result count. On a page that continues inside a bucket (`w.after`), its first
 * bucket keeps only the results after the cursor's key. Then buckets are taken while the running
 * count of results stays within `max`: the page ends after the bucket that reaches `max` exactly
 * (next_page: the next bucket), or inside the bucket that would pass it, keeping the results that
 * fit (next_page: that bucket, after the key of its last result kept). Each bucket's results must be
 * sorted by compareSortKeys of `keyOf`.
 */
export function boundByResults<R, B extends { start_time: number; results: R[] }>(
  w: PageWindow,
  buckets: B[],
  keyOf: (result: R) => SortKey,
  max = MAX_RESULTS_PER_PAGE,
): { data: B[]; nextPage: string | null } {
  const data: B[] = [];
  let count = 0;
  for (let i = 0; i < buckets.length; i++) {
    let b = buckets[i] as B;
    if (i === 0 && w.after) {
      const after = w.after;
      const from = b.results.findIndex((r) => compareSortKeys(keyOf(r), after) > 0);
      b = { ...b, results: from < 0 ? [] : b.results.slice(from) };
    }
    const cursorable = w.end !== undefined && w.hash !== undefined;
    if (count + b.results.length > max && cursorable) {
      const kept = b.results.slice(0, max - count);
      data.push({ ...b, results: kept });
      const last = kept[kept.length - 1];
      const after = last === undefined ? undefined : keyOf(last);
      return { data, nextPage: encodeCursor({ next: b.start_time, end: w.end as number, hash: w.hash as string, ...(after ? { after } : {}) }) };
    }
    data.push(b);
    count += b.results.length;
    const next = buckets[i + 1];
    if (count >= max && next && cursorable) return { data, nextPage: encodeCursor({ next: next.start_time, end: w.end as number, hash: w.hash as string }) };
  }
  return { data, nextPage: w.nextPage };
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
  // A page continuing inside its first bucket (cursor version 2) serves only part of that bucket:
  // it is read alone and not counted, so the reading never stops before the cut boundByResults makes.
  if (w.after) {
    for (const r of await read(sliceWindow(w, 0, 1))) rows.push(r);
    done = 1;
  }
  const uncounted = rows.length;
  const counted = () => rows.length - uncounted;
  let take = Math.min(FIRST_READ_BUCKETS, n - done);
  while (done < n) {
    for (const r of await read(sliceWindow(w, done, done + take))) rows.push(r);
    done += take;
    if (counted() >= max) break;
    const perBucket = counted() / done;
    take = perBucket > 0 ? Math.ceil(((max - counted()) / perBucket) * 1.25) : take * 4;
    take = Math.max(1, Math.min(take, n - done));
  }
  if (done >= n) return { window: w, rows };
  const next = (w.buckets[done] as { start: number }).start;
  return { window: { ...sliceWindow(w, 0, done), nextPage: encodeCursor({ next, end: w.end, hash: w.hash }) }, rows };
}

interface Cursor {
  /** The bucket the next page starts with. */
  next: number;
  end: number;
  hash: string;
  /** Version 2: the next page continues inside bucket `next`, after the result with this key. */
  after?: SortKey;
}

export function queryHash(identity: unknown): string {
  return createHash('sha256').update(canonicalJson(identity)).digest('base64url').slice(0, 16);
}

/**
 * `page_` + base64url of a JSON array. Version 1 `[1, next, end, hash]` starts at a bucket; version 2
 * `[2, next, end, hash, after]` continues inside one. Only a cut inside a bucket writes version 2, so
 * every other cursor is byte for byte what earlier releases wrote, and their cursors still work.
 */
function encodeCursor(c: Cursor): string {
  const body = c.after ? [2, c.next, c.end, c.hash, c.after] : [1, c.next, c.end, c.hash];
  return `page_${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
}

const MAX_KEY_VALUES = 16;

function decodeCursor(page: string): Cursor | null {
  if (!page.startsWith('page_')) return null;
  try {
    const parsed = JSON.parse(Buffer.from(page.slice(5), 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parsed)) return null;
    const v2 = parsed[0] === 2 && parsed.length === 5;
    if (!(parsed[0] === 1 && parsed.length === 4) && !v2) return null;
    const [, next, end, hash, after] = parsed as [number, unknown, unknown, unknown, unknown];
    if (!Number.isSafeInteger(next) || !Number.isSafeInteger(end) || typeof hash !== 'string') return null;
    if (!v2) return { next: next as number, end: end as number, hash };
    const validKey =
      Array.isArray(after) && after.length <= MAX_KEY_VALUES && after.every((v) => v === null || typeof v === 'string' || typeof v === 'boolean');
    if (!validKey) return null;
    return { next: next as number, end: end as number, hash, after: after as SortKey };
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
  let after: SortKey | undefined;
  if (r.page !== undefined) {
    const c = decodeCursor(r.page);
    // Every bucket after the first starts on the grid.
    // A cursor inside a bucket may name the first bucket, which starts at start_time, on the grid or not.
    const onGrid = c && (c.next % r.width === 0 || (c.after !== undefined && c.next === r.start));
    const fits = c && onGrid && c.hash === hash && (c.next > r.start || (c.after !== undefined && c.next === r.start)) && c.next < c.end;
    if (!c || !fits) throw errors.invalidParam('page', "Invalid 'page': not a next_page cursor of this query (same parameters, except limit).");
    from = c.next;
    end = c.end;
    after = c.after;
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
  return { from, to, start: r.start, width: r.width, buckets, nextPage, end, hash, ...(after ? { after } : {}) };
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
