/**
 * Reading usage: resolve the query (defaults, limits, page window), read each segment of the plan
 * from its source, merge the segments per bucket and group, and shape the spec's result objects
 * (every dimension present, null unless grouped).
 */
import { errors } from '../../lib/errors.js';
import {
  type BucketWidth,
  boundByResults,
  compareSortKeys,
  LIMITS,
  type PageWindow,
  pageWindow,
  plan,
  readUntilBound,
  type SortKey,
  WIDTH_SECONDS,
} from './buckets.js';
import type { Dimension, UsageKind } from './kinds.js';
import type { UsageQuery } from './schemas.js';
import type { UsageReads } from './store.js';
import type { DimValue, DimValues, UsageGroupRow } from './types.js';

export interface UsageBucket {
  object: 'bucket';
  start_time: number;
  end_time: number;
  results: Record<string, unknown>[];
}

export interface UsagePage {
  object: 'page';
  data: UsageBucket[];
  has_more: boolean;
  next_page: string | null;
}

export function resolveLimit(width: BucketWidth, limit: number | undefined): number {
  const { default: def, max } = LIMITS[width];
  if (limit === undefined) return def;
  if (limit < 1 || limit > max) throw errors.invalidParam('limit', `Invalid 'limit': with bucket_width=${width} it must be from 1 to ${max}.`);
  return limit;
}

export function checkRange(start: number, end: number | undefined): void {
  if (end !== undefined && end <= start) throw errors.invalidParam('end_time', "Invalid 'end_time': it must be after start_time.");
}

function filtersOf(kind: UsageKind, q: UsageQuery): Partial<Record<Dimension, DimValue[]>> {
  const filters: Partial<Record<Dimension, DimValue[]>> = {};
  for (const f of kind.filters) {
    const v = q[f.param];
    if (v === undefined) continue;
    filters[f.dimension] = f.boolean ? [v as boolean] : [...new Set(v as string[])];
  }
  return filters;
}

const keyOf = (bucket: number, dims: DimValues, groupBy: readonly Dimension[]) => `${bucket}|${groupBy.map((d) => JSON.stringify(dims[d] ?? null)).join('|')}`;

/** Adds the rows of several segments; a level keeps, per series, the latest sample. */
function merge(kind: UsageKind, rows: UsageGroupRow[], groupBy: Dimension[]): UsageGroupRow[] {
  let input = rows;
  if (kind.levelMeasure) {
    const level = kind.levelMeasure;
    const latest = new Map<string, UsageGroupRow>();
    for (const r of rows) {
      const k = keyOf(r.bucketStart, r.dims, kind.dimensions);
      const cur = latest.get(k);
      const v = r.measures[level] ?? 0;
      const better = !cur || (r.latestAt ?? 0) > (cur.latestAt ?? 0) || (r.latestAt === cur.latestAt && v > (cur.measures[level] ?? 0));
      if (better) latest.set(k, r);
    }
    input = [...latest.values()];
  }
  const out = new Map<string, UsageGroupRow>();
  for (const r of input) {
    const k = keyOf(r.bucketStart, r.dims, groupBy);
    const cur = out.get(k);
    if (!cur) {
      const dims: DimValues = {};
      for (const d of groupBy) dims[d] = r.dims[d] ?? null;
      out.set(k, { bucketStart: r.bucketStart, dims, measures: { ...r.measures } });
      continue;
    }
    for (const m of kind.measures) {
      const v = r.measures[m];
      if (v !== undefined) cur.measures[m] = (cur.measures[m] ?? 0) + v;
    }
  }
  return [...out.values()];
}

/** Rows in group order (compareSortKeys over the grouped dimensions): the order a cursor continues in. */
function sortByDims(rows: UsageGroupRow[], groupBy: Dimension[]): UsageGroupRow[] {
  if (groupBy.length === 0) return rows;
  const keyed = rows.map((row) => ({ row, key: groupBy.map((d) => row.dims[d] ?? null) }));
  keyed.sort((a, b) => compareSortKeys(a.key, b.key));
  return keyed.map((k) => k.row);
}

/** The sort key of a shaped result: its grouped dimensions, as sortByDims orders them. */
const resultKey =
  (groupBy: Dimension[]) =>
  (result: Record<string, unknown>): SortKey =>
    groupBy.map((d) => (result[d] ?? null) as string | boolean | null);

export function resultOf(kind: UsageKind, row: UsageGroupRow): Record<string, unknown> {
  const out: Record<string, unknown> = { object: kind.object };
  for (const m of kind.measures) {
    const v = row.measures[m];
    if (v !== undefined) out[m] = v;
    else if (kind.requiredMeasures.includes(m)) out[m] = 0;
  }
  for (const d of kind.dimensions) out[d] = row.dims[d] ?? null;
  return out;
}

export function bucketsOf<T>(w: PageWindow, rows: T[], startOf: (r: T) => number, toResult: (r: T) => Record<string, unknown>): UsageBucket[] {
  const byStart = new Map<number, T[]>();
  for (const r of rows) {
    const list = byStart.get(startOf(r));
    if (list) list.push(r);
    else byStart.set(startOf(r), [r]);
  }
  return w.buckets.map((b) => ({ object: 'bucket', start_time: b.start, end_time: b.end, results: (byStart.get(b.start) ?? []).map(toResult) }));
}

export async function queryUsage(store: { readonly usage: UsageReads }, orgId: string, kind: UsageKind, q: UsageQuery, now: number): Promise<UsagePage> {
  const width = q.bucket_width ?? '1d';
  const limit = resolveLimit(width, q.limit);
  checkRange(q.start_time, q.end_time);
  const groupBy = kind.dimensions.filter((d) => (q.group_by ?? []).includes(d));
  const filters = filtersOf(kind, q);
  const providers = Array.isArray(q.providers) ? [...new Set(q.providers as string[])] : undefined;
  const identity = { kind: kind.name, start: q.start_time, end: q.end_time ?? null, width, groupBy, filters, ...(providers ? { providers } : {}) };
  const w = pageWindow({ start: q.start_time, end: q.end_time, width: WIDTH_SECONDS[width], limit, page: q.page, now, identity });
  // A level is combined per series across segments, so its segments always keep every dimension.
  const segmentGroupBy = kind.levelMeasure ? kind.dimensions : groupBy;
  const readSlice = async (slice: PageWindow): Promise<UsageGroupRow[]> => {
    const parts = await Promise.all(
      plan(slice).map((s) =>
        store.usage.queryUsage({
          orgId,
          kind: kind.name,
          // Rollups do not key on the provider: a providers filter reads raw records only.
          source: providers ? 'raw' : s.source,
          from: s.from,
          to: s.to,
          origin: s.origin,
          width: slice.width,
          groupBy: segmentGroupBy,
          filters,
          ...(providers ? { providers } : {}),
        }),
      ),
    );
    // One segment of a sum kind is already one row per bucket and group: nothing to merge.
    return parts.length === 1 && !kind.levelMeasure ? (parts[0] as UsageGroupRow[]) : merge(kind, parts.flat(), groupBy);
  };
  // Only the buckets the page can hold are read (buckets.ts readUntilBound).
  const { window, rows: read } = await readUntilBound(w, readSlice);
  const rows = sortByDims(read, groupBy);
  const { data, nextPage } = boundByResults(
    window,
    bucketsOf(
      window,
      rows,
      (r) => r.bucketStart,
      (r) => resultOf(kind, r),
    ),
    resultKey(groupBy),
  );
  return { object: 'page', data, has_more: nextPage !== null, next_page: nextPage };
}
