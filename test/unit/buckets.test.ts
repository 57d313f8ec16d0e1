import { describe, expect, it } from 'vitest';
import { nextGridLine, pageWindow } from '../../src/features/usage/buckets.js';

describe('bucket math on the UTC grid', () => {
  it('nextGridLine is the end of the bucket holding t, also for t on a line and before 1970', () => {
    expect(nextGridLine(0, 60)).toBe(60);
    expect(nextGridLine(59, 60)).toBe(60);
    expect(nextGridLine(60, 60)).toBe(120);
    expect(nextGridLine(-1, 60)).toBe(0);
    expect(nextGridLine(86_399, 86_400)).toBe(86_400);
  });

  const base = { width: 3600, page: undefined, now: 10 * 3600, identity: { q: 1 } };

  it('an unaligned start gets a short first bucket, then buckets on the grid', () => {
    const w = pageWindow({ ...base, start: 1800, end: 3 * 3600, limit: 10 });
    expect(w.buckets).toEqual([
      { start: 1800, end: 3600 },
      { start: 3600, end: 7200 },
      { start: 7200, end: 10800 },
    ]);
    expect(w.nextPage).toBeNull();
  });

  it('pages by limit, and the cursor continues exactly where the page stopped', () => {
    const first = pageWindow({ ...base, start: 0, end: 5 * 3600, limit: 2 });
    expect(first.buckets.map((b) => b.start)).toEqual([0, 3600]);
    expect(first.nextPage).not.toBeNull();
    const second = pageWindow({ ...base, start: 0, end: 5 * 3600, limit: 2, page: first.nextPage ?? undefined });
    expect(second.buckets.map((b) => b.start)).toEqual([7200, 10800]);
  });

  it('refuses a cursor of another query', () => {
    const first = pageWindow({ ...base, start: 0, end: 5 * 3600, limit: 2 });
    expect(() => pageWindow({ ...base, identity: { q: 2 }, start: 0, end: 5 * 3600, limit: 2, page: first.nextPage ?? undefined })).toThrow(/page/);
  });

  it('without end_time runs to the end of the bucket holding now', () => {
    const w = pageWindow({ ...base, start: 0, end: undefined, limit: 100, now: 3 * 3600 + 5 });
    expect(w.buckets.at(-1)).toEqual({ start: 3 * 3600, end: 4 * 3600 });
  });
});
