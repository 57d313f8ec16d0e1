/**
 * Usage records, cost lines and query helpers for the usage part of the store contract suite. The
 * expected answers are computed here by walking the records (no code shared with src/store).
 */

import type { CostEntry, CostGroupRow } from '../../src/features/costs/types.js';
import type { Dimension, UsageKindName } from '../../src/features/usage/kinds.js';
import type { CostLine, DimValue, MeasureValues, UsageGroupRow, UsageRecord, UsageSource } from '../../src/features/usage/types.js';
import type { Store } from '../../src/store/store.js';

export const HOUR = 3600;
export const DAY = 86400;
/** 2026-01-01T00:00:00Z */
export const T0 = 1_767_225_600;

export function usageRecord(
  id: string,
  createdAt: number,
  dims: Partial<Record<Dimension, DimValue>>,
  measures: MeasureValues,
  costs: Omit<CostLine, 'createdAt' | 'projectId' | 'apiKeyId' | 'userId' | 'apiSource'>[] = [],
): UsageRecord {
  const projectId = (dims.project_id as string | null | undefined) ?? null;
  const apiKeyId = (dims.api_key_id as string | null | undefined) ?? null;
  const userId = (dims.user_id as string | null | undefined) ?? null;
  const apiSource = (dims.api_source as string | null | undefined) ?? null;
  return {
    id,
    createdAt,
    dims,
    measures,
    contentHash: `hash-${id}`,
    priceId: costs[0]?.priceId ?? null,
    costs: costs.map((c) => ({ ...c, createdAt, projectId, apiKeyId, userId, apiSource })),
  };
}

export function costEntry(id: string, createdAt: number, over: Partial<CostEntry> = {}): CostEntry {
  return {
    id,
    createdAt,
    projectId: 'proj_a',
    apiKeyId: null,
    lineItem: 'support, seats',
    amountNano: 2_000_000_000,
    currency: 'usd',
    quantity: 2,
    quantityUnit: 'seats',
    contentHash: `hash-${id}`,
    ...over,
  };
}

/** Rows in a stable order, so two engines' answers compare with toEqual. */
export function sortUsage(rows: UsageGroupRow[]): UsageGroupRow[] {
  return [...rows].sort((a, b) => a.bucketStart - b.bucketStart || JSON.stringify(a.dims).localeCompare(JSON.stringify(b.dims)));
}

export function sortCosts(rows: CostGroupRow[]): CostGroupRow[] {
  const key = (r: CostGroupRow) => JSON.stringify([r.projectId, r.apiKeyId, r.lineItem, r.userId, r.apiSource]);
  return [...rows].sort((a, b) => a.bucketStart - b.bucketStart || key(a).localeCompare(key(b)));
}

export async function usageRows(
  store: Store,
  q: {
    orgId: string;
    kind: UsageKindName;
    source: UsageSource;
    from?: number;
    to?: number;
    width?: number;
    groupBy?: Dimension[];
    filters?: Partial<Record<Dimension, DimValue[]>>;
  },
): Promise<UsageGroupRow[]> {
  const from = q.from ?? T0;
  return sortUsage(
    await store.usage.queryUsage({
      orgId: q.orgId,
      kind: q.kind,
      source: q.source,
      from,
      to: q.to ?? T0 + 2 * DAY,
      origin: from,
      width: q.width ?? DAY,
      groupBy: q.groupBy ?? [],
      filters: q.filters ?? {},
    }),
  );
}

/** The naive answer: sums of the records' measures per bucket and group. */
export function expectedSums(
  records: UsageRecord[],
  opts: { from: number; to: number; width: number; groupBy: Dimension[]; measures: string[]; filters?: Partial<Record<Dimension, DimValue[]>> },
): UsageGroupRow[] {
  const groups = new Map<string, UsageGroupRow>();
  for (const r of records) {
    if (r.createdAt < opts.from || r.createdAt >= opts.to) continue;
    if (!Object.entries(opts.filters ?? {}).every(([d, vs]) => (vs as DimValue[]).includes(r.dims[d as Dimension] ?? null))) continue;
    const bucketStart = opts.from + Math.floor((r.createdAt - opts.from) / opts.width) * opts.width;
    const dims: Partial<Record<Dimension, DimValue>> = {};
    for (const d of opts.groupBy) dims[d] = r.dims[d] ?? null;
    const key = JSON.stringify([bucketStart, dims]);
    const row = groups.get(key) ?? { bucketStart, dims, measures: {} };
    groups.set(key, row);
    for (const m of opts.measures) {
      const v = (r.measures as Record<string, number | undefined>)[m];
      if (v !== undefined) (row.measures as Record<string, number>)[m] = ((row.measures as Record<string, number>)[m] ?? 0) + v;
    }
  }
  return sortUsage([...groups.values()]);
}
