/** Turns API buckets into chart series: one value per bucket per group, the largest groups first. */
import type { Bucket, UsageResult } from './api.js';

export interface Series {
  key: string;
  label: string;
  values: number[];
  total: number;
}
export interface SeriesSet {
  times: number[];
  width: number;
  series: Series[];
  total: number;
}

export const OTHER = '__other__';

export function buildSeries(
  buckets: Bucket[],
  groupOf: (r: UsageResult) => string,
  amountOf: (r: UsageResult) => number,
  opts: { maxSeries?: number; label?: (key: string) => string } = {},
): SeriesSet {
  const times = buckets.map((b) => b.start_time);
  const width = buckets[0] ? buckets[0].end_time - buckets[0].start_time : 86400;
  const byKey = new Map<string, number[]>();
  buckets.forEach((b, i) => {
    for (const r of b.results) {
      const key = groupOf(r);
      let values = byKey.get(key);
      if (!values) {
        values = new Array(buckets.length).fill(0);
        byKey.set(key, values);
      }
      values[i] = (values[i] ?? 0) + amountOf(r);
    }
  });
  let series: Series[] = [...byKey.entries()].map(([key, values]) => ({
    key,
    label: opts.label ? opts.label(key) : key,
    values,
    total: values.reduce((a, b) => a + b, 0),
  }));
  series.sort((a, b) => b.total - a.total || a.key.localeCompare(b.key));
  const max = opts.maxSeries ?? 8;
  if (series.length > max) {
    const rest = series.slice(max - 1);
    const values = times.map((_, i) => rest.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
    series = [...series.slice(0, max - 1), { key: OTHER, label: `${rest.length} others`, values, total: values.reduce((a, b) => a + b, 0) }];
  }
  return { times, width, series, total: series.reduce((a, s) => a + s.total, 0) };
}

/** The group of a result for a group_by dimension; missing values read as "(none)". */
export function groupValue(r: UsageResult, dimension: string | null): string {
  if (!dimension) return 'total';
  const v = r[dimension];
  return v === null || v === undefined || v === '' ? '(none)' : String(v);
}

/** A level (bytes held, not bytes added): summarised as latest, peak and average, never summed over time. */
export interface LevelStats {
  latest: number;
  peak: number;
  average: number;
}

/** Over the buckets that hold a reading (`present`): a bucket with no record is not a zero level. */
export function levelStats(values: number[], present: boolean[]): LevelStats {
  const readings = values.filter((_, i) => present[i]);
  if (readings.length === 0) return { latest: 0, peak: 0, average: 0 };
  return {
    latest: readings.at(-1) ?? 0,
    peak: Math.max(...readings),
    average: readings.reduce((a, b) => a + b, 0) / readings.length,
  };
}

/** Which buckets hold at least one result. */
export function presentBuckets(buckets: Bucket[]): boolean[] {
  return buckets.map((b) => b.results.length > 0);
}
