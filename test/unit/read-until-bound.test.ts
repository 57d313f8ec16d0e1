/**
 * readUntilBound (src/features/usage/buckets.ts) reads a page's buckets in slices and stops once the
 * rows reach the page bound: the pages it yields (data and next_page, across a whole walk) are exactly
 * those of reading every bucket at once, while the buckets it reads stay near what the page holds.
 */
import { describe, expect, it } from 'vitest';
import { boundByResults, FIRST_READ_BUCKETS, type PageWindow, pageWindow, readUntilBound } from '../../src/features/usage/buckets.js';
import { bucketsOf } from '../../src/features/usage/query.js';

interface Row {
  bucketStart: number;
  i: number;
}

/** Rows of every bucket of a slice: `sizeOf(bucket start)` each, counting the buckets read. */
function reader(sizeOf: (start: number) => number, counter: { buckets: number; reads: number }) {
  return async (slice: PageWindow): Promise<Row[]> => {
    counter.reads++;
    counter.buckets += slice.buckets.length;
    return slice.buckets.flatMap((b) => Array.from({ length: sizeOf(b.start) }, (_, i) => ({ bucketStart: b.start, i })));
  };
}

async function walk(sizeOf: (start: number) => number, sliced: boolean, max: number) {
  const pages: { starts: number[]; results: number; next: string | null }[] = [];
  const counter = { buckets: 0, reads: 0 };
  let page: string | undefined;
  do {
    const w = pageWindow({ start: 30, end: 1440 * 60, width: 60, limit: 1440, page, now: 0, identity: { q: 'heavy' } });
    const read = reader(sizeOf, counter);
    const { window, rows } = sliced ? await readUntilBound(w, read, max) : { window: w, rows: await read(w) };
    const { data, nextPage } = boundByResults(
      window,
      bucketsOf(
        window,
        rows,
        (r) => r.bucketStart,
        (r) => ({ i: r.i }),
      ),
      // the order results stand in inside a bucket (a cursor cut inside one continues after this key)
      (result) => [String((result as { i: number }).i).padStart(8, '0')],
      max,
    );
    pages.push({ starts: data.map((b) => b.start_time), results: data.reduce((n, b) => n + b.results.length, 0), next: nextPage });
    page = nextPage ?? undefined;
  } while (page !== undefined && pages.length < 2000);
  return { pages, counter };
}

describe('reading only the buckets a page can hold', () => {
  const shapes: [string, (start: number) => number][] = [
    ['dense, even', () => 139],
    ['sparse', (s) => (s % 7 === 0 ? 1 : 0)],
    ['bursts', (s) => (Math.floor(s / 60) % 100 < 5 ? 900 : 3)],
    ['empty', () => 0],
    ['one huge bucket', (s) => (s === 600 * 60 ? 25_000 : 10)],
  ];
  for (const [name, sizeOf] of shapes) {
    it(`gives the same pages as reading every bucket (${name})`, async () => {
      const whole = await walk(sizeOf, false, 10_000);
      const sliced = await walk(sizeOf, true, 10_000);
      expect(sliced.pages).toEqual(whole.pages);
      // Every bucket was served (a bucket cut by the result bound is on two pages), every result once.
      const starts = sliced.pages.flatMap((p) => p.starts);
      expect(new Set(starts).size).toBe(1440);
      const expected = [...new Set(starts)].reduce((n, s) => n + sizeOf(s), 0);
      expect(sliced.pages.reduce((n, p) => n + p.results, 0)).toBe(expected);
    });
  }

  it('reads about the buckets a page holds, not the whole range', async () => {
    const { pages, counter } = await walk(() => 139, true, 10_000);
    const served = pages.reduce((n, p) => n + p.starts.length, 0);
    // 10,000 / 139 = 72 buckets a page: the first read takes FIRST_READ_BUCKETS, the last read stops at the end.
    expect(pages[0]?.starts).toHaveLength(72);
    expect(counter.buckets).toBeLessThan(served + pages.length * FIRST_READ_BUCKETS);
    const once = await walk(() => 139, false, 10_000);
    expect(once.counter.buckets).toBeGreaterThan(5 * counter.buckets);
  });
});
