/**
 * The costs view's range, kept in the URL: a preset (`range=7|30|90|180`, `mtd`: month to date,
 * `last-month`) or custom UTC dates (`range=custom&from=YYYY-MM-DD&to=YYYY-MM-DD`, both included).
 * Costs come in UTC day buckets, so every range is whole UTC days, at most 180 of them (the API's page).
 */
import { alignedRange } from './usage-kinds.js';

export const DAY = 86_400;
export const MAX_DAYS = 180;
export const COST_RANGES = [
  { id: '7', label: 'Last 7 days' },
  { id: '30', label: 'Last 30 days' },
  { id: '90', label: 'Last 90 days' },
  { id: '180', label: 'Last 180 days' },
  { id: 'mtd', label: 'This month (to date)' },
  { id: 'last-month', label: 'Last month' },
  { id: 'custom', label: 'Custom dates…' },
] as const;

export interface CostRange {
  id: string;
  start: number;
  end: number;
  days: number;
}

const dateSeconds = (d: string | null): number | null => {
  if (!d || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return null;
  const t = Date.parse(`${d}T00:00:00Z`);
  return Number.isFinite(t) ? t / 1000 : null;
};

const monthStart = (now: number, back: number): number => {
  const d = new Date(now * 1000);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1) / 1000;
};

export function costRange(p: URLSearchParams, now: number): CostRange {
  const id = p.get('range') ?? '30';
  const today = alignedRange(DAY, 1, now);
  let start: number;
  let end = today.end;
  if (id === 'mtd') start = monthStart(now, 0);
  else if (id === 'last-month') {
    start = monthStart(now, 1);
    end = monthStart(now, 0);
  } else if (id === 'custom') {
    const from = dateSeconds(p.get('from'));
    const to = dateSeconds(p.get('to'));
    if (from === null || to === null || to < from) return costRange(new URLSearchParams({ range: '30' }), now);
    start = from;
    end = Math.min(to + DAY, from + MAX_DAYS * DAY);
  } else {
    const days = COST_RANGES.some((r) => r.id === id && /^\d+$/.test(id)) ? Number(id) : 30;
    return { id: String(days), ...alignedRange(DAY, days, now), days };
  }
  return { id, start, end, days: Math.round((end - start) / DAY) };
}

/** Sums per UTC month (`YYYY-MM`) and group over day buckets: the month view. */
export function byMonth<R>(buckets: { start_time: number; results: R[] }[], groupOf: (r: R) => string, amountOf: (r: R) => number) {
  const months = new Map<string, Map<string, number>>();
  for (const b of buckets) {
    const month = new Date(b.start_time * 1000).toISOString().slice(0, 7);
    let groups = months.get(month);
    if (!groups) {
      groups = new Map();
      months.set(month, groups);
    }
    for (const r of b.results) groups.set(groupOf(r), (groups.get(groupOf(r)) ?? 0) + amountOf(r));
  }
  return [...months.entries()].map(([month, groups]) => ({
    month,
    total: [...groups.values()].reduce((a, b) => a + b, 0),
    groups: [...groups.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  }));
}
