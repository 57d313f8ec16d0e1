/**
 * The test's own, deliberately naive aggregation of usage records: what a query must return,
 * computed by walking every record. Shares no code with src/ beyond the kinds registry (the spec).
 */
import type { UsageKind } from '../../src/features/usage/kinds.js';

export type Rec = Record<string, any>;

export interface BruteQuery {
  start: number;
  end: number;
  width: number;
  groupBy: string[];
  /** dimension -> allowed values */
  filters: Record<string, unknown[]>;
}

/** A record as the server keeps it: defaults applied, uncached tokens derived. */
export function normalize(kind: UsageKind, r: Rec): Rec {
  const out: Rec = { ...r };
  if (kind.defaultsToOneRequest && out.num_model_requests === undefined) out.num_model_requests = 1;
  if (kind.measures.includes('input_uncached_tokens'))
    out.input_uncached_tokens = (r.input_tokens ?? 0) - (r.input_cached_tokens ?? 0) - (r.input_cache_write_tokens ?? 0);
  return out;
}

export function expectedBuckets(kind: UsageKind, records: Rec[], q: BruteQuery) {
  const buckets: { start_time: number; end_time: number; results: Rec[] }[] = [];
  // Buckets on the UTC grid of the width; only the first is cut by start_time (OpenAI's rule).
  for (let s = q.start; s < q.end; s = Math.floor(s / q.width) * q.width + q.width) {
    const e = Math.min(Math.floor(s / q.width) * q.width + q.width, q.end);
    const inBucket = records.filter(
      (r) => r.created_at >= s && r.created_at < e && Object.entries(q.filters).every(([d, values]) => values.includes(r[d] ?? null)),
    );
    const groups = new Map<string, Rec[]>();
    for (const r of inBucket) {
      // A record that did not say its api_source is 'unlabeled' when grouped by it (OpenAI's docs).
      const key = JSON.stringify(q.groupBy.map((d) => r[d] ?? (d === 'api_source' ? 'unlabeled' : null)));
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const results = [...groups.entries()].map(([key, rs]) => {
      const values = JSON.parse(key) as unknown[];
      const result: Rec = { object: kind.object };
      for (const m of kind.measures) {
        if (m === kind.levelMeasure) {
          // latest sample per series (all dimensions), equal times -> larger value; series add up
          const series = new Map<string, Rec>();
          for (const r of rs) {
            const k = JSON.stringify(kind.dimensions.map((d) => r[d] ?? null));
            const cur = series.get(k);
            if (!cur || r.created_at > cur.created_at || (r.created_at === cur.created_at && r[m] > cur[m])) series.set(k, r);
          }
          result[m] = [...series.values()].reduce((a, r) => a + r[m], 0);
          continue;
        }
        const present = rs.filter((r) => r[m] !== undefined);
        if (present.length) result[m] = present.reduce((a, r) => a + r[m], 0);
        else if (kind.requiredMeasures.includes(m)) result[m] = 0;
      }
      for (const d of kind.dimensions) result[d] = q.groupBy.includes(d) ? (values[q.groupBy.indexOf(d)] ?? null) : null;
      return result;
    });
    buckets.push({ start_time: s, end_time: e, results: sortResults(results) });
  }
  return buckets;
}

export function sortResults(results: Rec[]): Rec[] {
  return [...results].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** A seeded PRNG (mulberry32), so a failing case can be replayed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T,
    chance: (p: number) => next() < p,
  };
}
