import { describe, expect, it } from 'vitest';
import { boundByResults, compareSortKeys, pageWindow, queryHash, type SortKey } from '../../src/features/usage/buckets.js';

interface Result {
  key: SortKey;
}
const keyOf = (r: Result) => r.key;

// Buckets of one window with `sizes[i]` results each, sorted as the features sort them; keys name the bucket and the result.
const bucketsFor = (w: ReturnType<typeof pageWindow>, sizeOf: (start: number) => number) =>
  w.buckets.map((b) => ({
    start_time: b.start,
    end_time: b.end,
    results: Array.from({ length: sizeOf(b.start) }, (_, i): Result => ({ key: [`r${String(i).padStart(3, '0')}`, b.start % 2 === 0] })).sort((x, y) =>
      compareSortKeys(x.key, y.key),
    ),
  }));

/** Follows next_page until it is null; every page's results, as `${start_time}:${key}`. */
function walk(req: { start: number; end: number; width: number; limit: number; now: number }, sizeOf: (start: number) => number, max: number) {
  const seen: string[] = [];
  const pageSizes: number[] = [];
  let page: string | undefined;
  let pages = 0;
  do {
    const w = pageWindow({ ...req, page, identity: { q: 'heavy' } });
    const { data, nextPage } = boundByResults(w, bucketsFor(w, sizeOf), keyOf, max);
    expect(data.length).toBeGreaterThan(0);
    const n = data.reduce((a, b) => a + b.results.length, 0);
    pageSizes.push(n);
    for (const b of data) for (const r of b.results) seen.push(`${b.start_time}:${JSON.stringify(r.key)}`);
    page = nextPage ?? undefined;
    pages++;
  } while (page !== undefined && pages < 100);
  return { seen, pageSizes, pages };
}

const all = (req: { start: number; end: number; width: number }, sizeOf: (start: number) => number) => {
  const out: string[] = [];
  const w = pageWindow({ ...req, limit: 1000, now: 0, page: undefined, identity: { q: 'heavy' } });
  for (const b of bucketsFor(w, sizeOf)) for (const r of b.results) out.push(`${b.start_time}:${JSON.stringify(r.key)}`);
  return out;
};

describe('a page is bounded by result objects, continuing inside a bucket', () => {
  const base = { width: 60, now: 100 * 60 };

  it('never holds more than the bound; next_page continues inside the bucket it cut; every result once, in order', () => {
    const sizes = [3, 0, 4, 2, 5, 1];
    const sizeOf = (start: number) => sizes[Math.floor(start / 60)] as number;
    const req = { ...base, start: 30, end: 6 * 60, limit: 6 };
    const { seen, pageSizes, pages } = walk(req, sizeOf, 5);
    // 3+0+2 of 4 | 2 left +2 +1 of 5 | 4 left +1
    expect(pageSizes).toEqual([5, 5, 5]);
    expect(pages).toBe(3);
    expect(seen).toEqual(all(req, sizeOf));
  });

  it('cuts one bucket far larger than the bound into many pages, the short first bucket included', () => {
    const sizeOf = (start: number) => (start === 30 ? 23 : start === 120 ? 17 : 1);
    const req = { ...base, start: 30, end: 4 * 60, limit: 2 };
    const { seen, pageSizes } = walk(req, sizeOf, 4);
    expect(Math.max(...pageSizes)).toBe(4);
    expect(seen).toEqual(all(req, sizeOf));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('a page that fills exactly at a bucket end continues at the next bucket with a version-1 cursor', () => {
    const w = pageWindow({ ...base, start: 0, end: 3 * 60, limit: 3, page: undefined, identity: { q: 'heavy' } });
    const cut = boundByResults(
      w,
      bucketsFor(w, () => 2),
      keyOf,
      4,
    );
    expect(cut.data.map((b) => b.results.length)).toEqual([2, 2]);
    const cursor = JSON.parse(Buffer.from((cut.nextPage as string).slice(5), 'base64url').toString()) as unknown[];
    expect(cursor[0]).toBe(1);
    expect(pageWindow({ ...base, start: 0, end: 3 * 60, limit: 3, page: cut.nextPage as string, identity: { q: 'heavy' } }).from).toBe(120);
  });

  it('leaves a page under the bound untouched', () => {
    const w = pageWindow({ ...base, start: 0, end: 3 * 60, limit: 2, page: undefined, identity: { q: 'heavy' } });
    const small = boundByResults(
      w,
      bucketsFor(w, () => 1),
      keyOf,
      5,
    );
    expect(small.data).toHaveLength(2);
    expect(small.nextPage).toBe(w.nextPage);
  });

  it('still accepts a version-1 cursor as earlier releases wrote it, and refuses broken version-2 cursors on page', () => {
    const identity = { q: 'heavy' };
    const v1 = `page_${Buffer.from(JSON.stringify([1, 120, 180, queryHash(identity)])).toString('base64url')}`;
    expect(pageWindow({ ...base, start: 0, end: 180, limit: 2, page: v1, identity }).from).toBe(120);
    const v2 = (after: unknown, next = 60) => `page_${Buffer.from(JSON.stringify([2, next, 180, queryHash(identity), after])).toString('base64url')}`;
    expect(pageWindow({ ...base, start: 0, end: 180, limit: 2, page: v2(['a', null, true]), identity }).after).toEqual(['a', null, true]);
    for (const bad of [v2('a'), v2([{}]), v2([1]), v2(Array(17).fill('a')), v2(['a'], 61), v2(['a'], 180)]) {
      expect(() => pageWindow({ ...base, start: 0, end: 180, limit: 2, page: bad, identity })).toThrow(/'page'/);
    }
  });
});
