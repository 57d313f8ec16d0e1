/**
 * Usage of one kind at 1h, grouped by every dimension the kind supports, stored as usage records
 * marked mirrored (price id `mirrored`, no cost lines: the upstream's costs come from its costs
 * endpoint, so nothing is priced twice). A level (vector_stores usage_bytes) is corrected with a newer
 * sample of the upstream value inside the bucket, since a level is the latest sample, not a sum.
 */
import { type UsageKind, type UsageKindName, usageKind } from '../usage/kinds.js';
import type { DimValues, MeasureValues, UsageRecord } from '../usage/types.js';
import { type BucketAdapter, saveCursor, shortHash, syncBuckets } from './bucket-stream.js';
import type { StreamResult, SyncContext } from './context.js';

export const MIRRORED_PRICE_ID = 'mirrored';
export const usageStream = (kind: UsageKindName) => `usage.${kind}`;

/** Newest-SDK dimensions an older upstream may refuse in group_by. */
const NEWER_DIMENSIONS = new Set(['api_source']);

type Result = Record<string, unknown>;

function measuresOf(kind: UsageKind, r: Result | undefined): MeasureValues {
  const out: MeasureValues = {};
  if (!r) return out;
  for (const m of kind.measures) if (typeof r[m] === 'number') out[m] = r[m] as number;
  return out;
}

export function usageAdapter(name: UsageKindName, now: number): BucketAdapter<UsageRecord> {
  const kind = usageKind(name);
  const stream = usageStream(name);
  const full = kind.groupBy;
  const older = full.filter((d) => !NEWER_DIMENSIONS.has(d));
  return {
    stream,
    width: '1h',
    limit: 168,
    groupings: older.length < full.length ? [full, older] : [full],
    dimensions: kind.dimensions,
    page: (side, r) => side.usagePage(name, r),
    difference(bucketStart, upstream, local, id) {
      const up = measuresOf(kind, upstream);
      const mine = measuresOf(kind, local);
      const source = (upstream ?? local) as Result;
      const dims: DimValues = {};
      for (const d of kind.dimensions) dims[d] = (source[d] as string | boolean | null | undefined) ?? null;
      let measures: MeasureValues = {};
      let createdAt = bucketStart;
      if (kind.levelMeasure) {
        const m = kind.levelMeasure;
        if ((up[m] ?? 0) === (mine[m] ?? 0) && local !== undefined) return null;
        measures[m] = up[m] ?? 0;
        // A later sample wins; later runs sample later (minute steps), within the bucket.
        if (local !== undefined) createdAt = Math.min(bucketStart + 3599, bucketStart + 1 + Math.max(0, Math.floor((now - bucketStart) / 60)));
      } else {
        let differs = false;
        for (const m of new Set([...Object.keys(up), ...Object.keys(mine)]) as Set<keyof MeasureValues>) {
          const diff = (up[m] ?? 0) - (mine[m] ?? 0);
          if (diff !== 0) differs = true;
          measures[m] = diff;
        }
        if (!differs) return null;
        if (local === undefined) measures = up;
      }
      return { id, createdAt, dims, measures, contentHash: shortHash(measures), priceId: MIRRORED_PRICE_ID, costs: [] };
    },
    async write(ctx, records, cursor) {
      await ctx.store.write(async (tx) => {
        const known = await tx.usage.findUsageHashes(
          ctx.orgId,
          name,
          records.map((r) => r.id),
        );
        const fresh = records.filter((r) => !known.has(r.id));
        if (fresh.length > 0) await tx.usage.insertUsage({ orgId: ctx.orgId, kind: name, records: fresh });
        await saveCursor(tx, ctx, stream, cursor.position, fresh.length);
      });
    },
  };
}

export function syncUsage(ctx: SyncContext, name: UsageKindName): Promise<StreamResult> {
  return syncBuckets(ctx, usageAdapter(name, ctx.now));
}
