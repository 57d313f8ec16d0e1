/**
 * Bucket maths and page cursors, shared by usage and costs.
 *
 * Buckets start at start_time and step by the width (an unaligned start_time is kept as is; see
 * docs/usage-and-costs.md). With end_time the last bucket ends at end_time (exclusive); without it
 * the range runs to the end of the bucket holding "now". A page holds `limit` buckets; its cursor
 * names the next bucket, the pinned end and a hash of the query, so a cursor from another query is
 * refused with a 400 on `page`.
 */
import { createHash } from 'node:crypto';
import { errors } from '../../http/errors.js';
import { canonicalJson } from '../../lib/canonical-json.js';
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
  origin: number;
  width: number;
  /** Bucket starts of the page. */
  buckets: { start: number; end: number }[];
  /** The cursor of the next page, or null on the last page. */
  nextPage: string | null;
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

export function pageWindow(r: WindowRequest): PageWindow {
  const hash = queryHash(r.identity);
  let end = r.end ?? r.start + Math.max(1, Math.ceil((r.now + 1 - r.start) / r.width)) * r.width;
  let from = r.start;
  if (r.page !== undefined) {
    const c = decodeCursor(r.page);
    const fits = c && c.hash === hash && c.next > r.start && c.next < c.end && (c.next - r.start) % r.width === 0;
    if (!c || !fits) throw errors.invalidParam('page', "Invalid 'page': not a next_page cursor of this query (same parameters, except limit).");
    from = c.next;
    end = c.end;
  }
  if (r.end === undefined && r.start > r.now) end = r.start;
  const buckets: { start: number; end: number }[] = [];
  let s = from;
  while (s < end && buckets.length < r.limit) {
    buckets.push({ start: s, end: Math.min(s + r.width, end) });
    s += r.width;
  }
  const to = buckets.length ? (buckets[buckets.length - 1] as { end: number }).end : from;
  const nextPage = s < end ? encodeCursor({ next: s, end, hash }) : null;
  return { from, to, origin: r.start, width: r.width, buckets, nextPage };
}

/**
 * The sources that together cover [from, to): the coarsest rollup whose grain divides the bucket
 * grid for the aligned body, finer sources for a ragged tail (an explicit end_time off the grain).
 */
export function plan(w: PageWindow, finest: UsageSource = 'raw'): { source: UsageSource; from: number; to: number }[] {
  const grains: { source: UsageSource; g: number }[] = [
    { source: '1d', g: 86400 },
    { source: '1h', g: 3600 },
  ];
  grains.push({ source: 'raw', g: 1 });
  const order: UsageSource[] = ['1d', '1h', 'raw'];
  const usable = grains.filter(({ source, g }) => order.indexOf(source) <= order.indexOf(finest) && g <= w.width && w.width % g === 0 && w.origin % g === 0);
  const out: { source: UsageSource; from: number; to: number }[] = [];
  let at = w.from;
  for (const { source, g } of usable) {
    const stop = w.to - (w.to % g);
    if (stop > at) {
      out.push({ source, from: at, to: stop });
      at = stop;
    }
  }
  return out;
}
