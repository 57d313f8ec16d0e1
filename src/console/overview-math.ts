/** The overview's figures from API buckets: month to date, the same day last month, projection, movers. */
import type { Bucket, UsageResult } from './api.js';

const DAY = 86400;
export const amountOf = (r: UsageResult): number => (r.amount as { value?: number } | undefined)?.value ?? 0;

/** UTC month boundaries around `now`: this month's start, the previous month's start, the next month's start. */
export function months(now: number): { thisStart: number; prevStart: number; nextStart: number } {
  const d = new Date(now * 1000);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { thisStart: Date.UTC(y, m, 1) / 1000, prevStart: Date.UTC(y, m - 1, 1) / 1000, nextStart: Date.UTC(y, m + 1, 1) / 1000 };
}

export interface MonthFigures {
  monthToDate: number;
  /** The previous month from its first day to the same day of month (clamped to its length). */
  previousToSameDay: number;
  previousMonth: number;
  /** Month to date spread over the month's length at the pace so far (elapsed time, not whole days). */
  projection: number;
  daysElapsed: number;
}

export function monthFigures(buckets: Bucket[], now: number): MonthFigures {
  const { thisStart, prevStart, nextStart } = months(now);
  const sameDayEnd = Math.min(thisStart, prevStart + (Math.floor((now - thisStart) / DAY) + 1) * DAY);
  let monthToDate = 0;
  let previousToSameDay = 0;
  let previousMonth = 0;
  for (const b of buckets) {
    const v = b.results.reduce((a, r) => a + amountOf(r), 0);
    if (b.start_time >= thisStart) monthToDate += v;
    else if (b.start_time >= prevStart) {
      previousMonth += v;
      if (b.start_time < sameDayEnd) previousToSameDay += v;
    }
  }
  const elapsed = Math.max(1, now - thisStart);
  return { monthToDate, previousToSameDay, previousMonth, projection: (monthToDate / elapsed) * (nextStart - thisStart), daysElapsed: elapsed / DAY };
}

export interface Mover {
  key: string;
  current: number;
  previous: number;
  change: number;
}

/** Sums per group over the last 7 days and the 7 before (buckets are days ending with today); largest absolute change first. */
export function movers(buckets: Bucket[], groupOf: (r: UsageResult) => string, splitAt: number, n = 5): Mover[] {
  const sums = new Map<string, Mover>();
  for (const b of buckets) {
    for (const r of b.results) {
      const key = groupOf(r);
      const m = sums.get(key) ?? { key, current: 0, previous: 0, change: 0 };
      if (b.start_time >= splitAt) m.current += amountOf(r);
      else m.previous += amountOf(r);
      m.change = m.current - m.previous;
      sums.set(key, m);
    }
  }
  return [...sums.values()]
    .filter((m) => Math.abs(m.change) >= 0.005)
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.key.localeCompare(b.key))
    .slice(0, n);
}

/** A relative change as text: "+12%", "−3%", "new" when there was nothing before. */
export function percentChange(current: number, previous: number): string {
  if (previous === 0) return current === 0 ? '0%' : 'new';
  const p = ((current - previous) / previous) * 100;
  const rounded = Math.abs(p) < 10 ? p.toFixed(1) : p.toFixed(0);
  return `${p >= 0 ? '+' : '−'}${rounded.replace('-', '')}%`;
}
