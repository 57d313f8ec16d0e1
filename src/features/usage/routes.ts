import type { FastifyInstance, FastifyReply } from 'fastify';
import { MAX_USAGE_RECORD_BYTES } from '../../http/ingest-limits.js';
import { registerIngestRoute } from '../../http/ingest-route.js';
import { principalOf } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import { ingestUsage } from './ingest.js';
import { usageKinds } from './kinds.js';
import { type LeafIndexes, withLeafIndexes } from './leaf-indexes.js';
import type { PriceTable } from './price-table.js';
import { queryUsage } from './query.js';
import { IngestUsageResponse, MAX_RECORDS_PER_BATCH } from './record-schema.js';
import { type UsageQuery, usageQuerySchema } from './schemas.js';
import type { UsageStore } from './store.js';

export interface UsageRouteDeps {
  store: UsageStore;
  clock: Clock;
  prices: PriceTable;
  maxPendingWrites: number;
  /** The usage-log leaf of each acknowledged record (the ledger's, wired in app.ts). */
  leafIndexes: LeafIndexes;
}

/**
 * Sends a page an engine built and serialised off the event loop (store.pages): the same bytes and
 * content type Fastify sends for the page object.
 */
export function sendPage(reply: FastifyReply, body: Uint8Array): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
}

/** What usage and cost ingest share: the scope, the per-item bound, the time fields and back-pressure. */
export function usageWriteRoute(deps: { store: { pendingWrites(): number }; maxPendingWrites: number }) {
  return {
    scope: 'usage.write' as const,
    maxItemBytes: MAX_USAGE_RECORD_BYTES,
    timeFields: ['created_at'],
    pendingWrites: () => deps.store.pendingWrites(),
    maxPendingWrites: deps.maxPendingWrites,
  };
}

/** GET (the ten spec operations) and POST (the ingest extension) of /v1/organization/usage/{kind}. */
export async function usageRoutes(app: FastifyInstance, deps: UsageRouteDeps): Promise<void> {
  for (const kind of usageKinds().values()) {
    const path = `/v1/organization/usage/${kind.name}`;
    // Each kind's query schema is built from the kinds registry at start-up, so its static type is
    // the shape they share (UsageQuery) rather than one inferred per kind.
    app.get<{ Querystring: UsageQuery }>(path, { config: { scope: 'usage.read' }, schema: { querystring: usageQuerySchema(kind) } }, async (request, reply) => {
      const orgId = principalOf(request).orgId;
      const now = deps.clock.nowSeconds();
      // An engine with reader workers reads, shapes and serialises the whole page there.
      if (deps.store.usage.usagePage) return sendPage(reply, await deps.store.usage.usagePage(orgId, kind.name, request.query, now));
      return queryUsage(deps.store, orgId, kind, request.query, now);
    });

    registerIngestRoute(app, {
      path,
      ...usageWriteRoute(deps),
      response: IngestUsageResponse,
      item: ['record', 'usage records'],
      maxItems: MAX_RECORDS_PER_BATCH,
      handle: async (request, data) => {
        const principal = principalOf(request);
        const orgId = principal.orgId;
        const result = await ingestUsage(deps, orgId, kind.name, data, { keyId: principal.keyId, requestId: request.id });
        result.data = await withLeafIndexes(deps.leafIndexes, orgId, result.data);
        for (const w of result.warnings) request.log.warn({ kind: kind.name, model: w.model, tier: w.tier, records: w.records }, 'unpriced usage');
        return result.warnings.length
          ? { object: 'list' as const, data: result.data, warnings: result.warnings }
          : { object: 'list' as const, data: result.data };
      },
    });
  }
}
