/**
 * The hook between the demo's usage plan and the usage feature: every record goes through
 * ingestUsage (the same validation, pricing and idempotency as POST /v1/organization/usage/{kind}).
 */

import { ingestUsage } from '../features/usage/ingest.js';
import { usageKind } from '../features/usage/kinds.js';
import type { PriceTable } from '../features/usage/price-table.js';
import { MAX_RECORDS_PER_BATCH } from '../features/usage/record-schema.js';
import type { UsageStore } from '../features/usage/store.js';
import type { Clock } from '../lib/clock.js';
import type { DemoUsageRecord, DemoUsageWriter } from './usage-plan.js';

export function demoUsageWriter(store: UsageStore, clock: Clock, prices: PriceTable): DemoUsageWriter {
  return {
    async write(orgId, kind, records) {
      const dims = usageKind(kind).dimensions as string[];
      const wire = records.map((r: DemoUsageRecord) => {
        const out: Record<string, unknown> = { id: r.id, created_at: r.timestamp };
        for (const d of dims) {
          const value = (r as unknown as Record<string, unknown>)[d];
          if (value !== undefined) out[d] = value;
        }
        return Object.assign(out, r.measures);
      });
      for (let i = 0; i < wire.length; i += MAX_RECORDS_PER_BATCH)
        await ingestUsage({ store, clock, prices }, orgId, kind, wire.slice(i, i + MAX_RECORDS_PER_BATCH));
    },
  };
}
