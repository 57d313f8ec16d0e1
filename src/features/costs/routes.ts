import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { registerIngestRoute } from '../../http/ingest-route.js';
import { principalOf } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import { type LeafIndexes, withLeafIndexes } from '../usage/leaf-indexes.js';
import type { PriceTable } from '../usage/price-table.js';
import { sendPage, usageWriteRoute } from '../usage/routes.js';
import { costsQuerySchema } from '../usage/schemas.js';
import { IngestCostsResponse, MAX_COST_ENTRIES, UnpricedUsageList } from './schemas.js';
import { ingestCostEntries, queryCosts } from './service.js';
import type { CostStore } from './store.js';

export interface CostRouteDeps {
  store: CostStore;
  clock: Clock;
  prices: PriceTable;
  maxPendingWrites: number;
  /** The usage-log leaf of each acknowledged entry (the ledger's, wired in app.ts). */
  leafIndexes: LeafIndexes;
}

export async function costRoutes(app: FastifyInstance, deps: CostRouteDeps): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get('/v1/organization/costs', { config: { scope: 'usage.read' }, schema: { querystring: costsQuerySchema } }, async (request, reply) => {
    const orgId = principalOf(request).orgId;
    const now = deps.clock.nowSeconds();
    // An engine with reader workers reads, shapes and serialises the whole page there.
    if (deps.store.costs.costsPage) return sendPage(reply, await deps.store.costs.costsPage(orgId, request.query, now));
    return queryCosts(deps.store, orgId, request.query, now);
  });

  registerIngestRoute(app, {
    path: '/v1/organization/costs',
    ...usageWriteRoute(deps),
    response: IngestCostsResponse,
    item: ['cost entry', 'cost entries'],
    maxItems: MAX_COST_ENTRIES,
    handle: async (request, data) => {
      const principal = principalOf(request);
      const orgId = principal.orgId;
      const result = await ingestCostEntries(deps, orgId, data, { keyId: principal.keyId, requestId: request.id });
      return { ...result, data: await withLeafIndexes(deps.leafIndexes, orgId, result.data) };
    },
  });

  // Extension: usage the price table could not price, so an operator can add the missing prices.
  app.get('/v1/organization/costs/unpriced', { config: { scope: 'usage.read' }, schema: { response: { 200: UnpricedUsageList } } }, async (request) => {
    const rows = await deps.store.costs.listUnpricedUsage(principalOf(request).orgId);
    return {
      object: 'list' as const,
      data: rows.map((u) => ({
        object: 'organization.costs.unpriced_usage' as const,
        kind: u.kind,
        model: u.model || null,
        tier: u.tier,
        first_at: u.firstAt,
        last_at: u.lastAt,
        records: u.records,
      })),
    };
  });
}
