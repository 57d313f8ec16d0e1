/**
 * Costs: daily buckets grouped by project, line item and API key, stored as cost entries (the
 * upstream's own amounts; mirrored usage carries no cost of its own). Corrections as for usage.
 */
import type { CostEntry } from '../costs/types.js';
import { type BucketAdapter, saveCursor, syncBuckets } from './bucket-stream.js';
import type { StreamResult, SyncContext } from './context.js';

export const COSTS_STREAM = 'costs';

type Result = Record<string, unknown>;

function nanoOf(r: Result | undefined): number {
  const value = (r?.amount as { value?: number } | undefined)?.value ?? 0;
  return Math.round(value * 1e9);
}

function quantityOf(r: Result | undefined): number {
  return typeof r?.quantity === 'number' ? r.quantity : 0;
}

export const costsAdapter: BucketAdapter<CostEntry> = {
  stream: COSTS_STREAM,
  width: '1d',
  limit: 180,
  groupings: [
    ['project_id', 'line_item', 'api_key_id'],
    ['project_id', 'line_item'],
  ],
  dimensions: ['project_id', 'line_item', 'api_key_id'],
  page: (side, r) => side.costPage(r),
  difference(bucketStart, upstream, local, id) {
    const amount = nanoOf(upstream) - nanoOf(local);
    const quantity = quantityOf(upstream) - quantityOf(local);
    if (amount === 0 && quantity === 0 && local !== undefined) return null;
    const source = (upstream ?? local) as Result;
    const currency = (source.amount as { currency?: string } | undefined)?.currency ?? 'usd';
    return {
      id,
      createdAt: bucketStart,
      projectId: (source.project_id as string | null | undefined) ?? null,
      apiKeyId: (source.api_key_id as string | null | undefined) ?? null,
      lineItem: (source.line_item as string | null | undefined) ?? '',
      amountNano: amount,
      currency,
      quantity: source.quantity === null || source.quantity === undefined ? null : quantity,
      quantityUnit: (source.quantity_unit as string | null | undefined) ?? null,
      contentHash: null,
    };
  },
  async write(ctx, entries, cursor) {
    await ctx.store.write(async (tx) => {
      const known = await tx.costs.findCostEntryHashes(
        ctx.orgId,
        entries.map((e) => e.id),
      );
      const fresh = entries.filter((e) => !known.has(e.id));
      if (fresh.length > 0) await tx.costs.insertCostEntries(ctx.orgId, fresh);
      await saveCursor(tx, ctx, COSTS_STREAM, cursor.position, fresh.length);
    });
  },
};

export function syncCosts(ctx: SyncContext): Promise<StreamResult> {
  return syncBuckets(ctx, costsAdapter);
}
