import { describe, expect, it } from 'vitest';
import { boundByResults, pageWindow } from '../../src/features/usage/buckets.js';

// Buckets of one window with `sizes[i]` results each, as bucketsOf shapes them.
const bucketsFor = (w: ReturnType<typeof pageWindow>, sizes: number[]) =>
  w.buckets.map((b, i) => ({ start_time: b.start, end_time: b.end, results: Array.from({ length: sizes[i] ?? 0 }, () => ({})) }));

describe('a page is bounded by result objects as well as by buckets', () => {
  const base = { width: 60, now: 100 * 60, identity: { q: 'heavy' } };

  it('stops after the bucket that reaches the bound; next_page continues at the next bucket, across pages', () => {
    const sizes = [3, 0, 4, 2, 5, 1];
    const seen: number[] = [];
    let page: string | undefined;
    let pages = 0;
    do {
      const w = pageWindow({ ...base, start: 30, end: 6 * 60, limit: 6, page });
      const all = bucketsFor(
        w,
        w.buckets.map((b) => sizes[Math.floor(b.start / 60)] as number),
      );
      const { data, nextPage } = boundByResults(w, all, 5);
      expect(data.length).toBeGreaterThan(0);
      seen.push(...data.map((b) => b.start_time));
      page = nextPage ?? undefined;
      pages++;
    } while (page !== undefined && pages < 10);
    // 3+0+4 reaches 5 after the third bucket, then 2+5, then 1: three pages, every bucket once, in order.
    expect(pages).toBe(3);
    expect(seen).toEqual([30, 60, 120, 180, 240, 300]);
  });

  it('leaves a page under the bound untouched, and answers a single bucket over the bound whole', () => {
    const w = pageWindow({ ...base, start: 0, end: 3 * 60, limit: 2, page: undefined });
    const small = boundByResults(w, bucketsFor(w, [1, 1]), 5);
    expect(small.data).toHaveLength(2);
    expect(small.nextPage).toBe(w.nextPage);
    const big = boundByResults(w, bucketsFor(w, [9, 1]), 5);
    expect(big.data).toHaveLength(1);
    expect(big.data[0]?.results).toHaveLength(9);
    expect(pageWindow({ ...base, start: 0, end: 3 * 60, limit: 2, page: big.nextPage as string }).from).toBe(60);
  });
});
