import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_USAGE_RECORD_BYTES } from '../../http/ingest-limits.js';
import { registerIngestRoute } from '../../http/ingest-route.js';
import { principalOf } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import type { PriceTable } from '../usage/price-table.js';
import { costsQuerySchema } from '../usage/schemas.js';
import { IngestCostsResponse, UnpricedUsageList } from './schemas.js';
import { ingestCostEntries, queryCosts } from './service.js';
import type { CostStore } from './store.js';

export interface CostRouteDeps {
  store: CostStore;
  clock: Clock;
  prices: PriceTable;
  maxPendingWrites: number;
}

export async function costRoutes(app: FastifyInstance, deps: CostRouteDeps): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get('/v1/organization/costs', { config: { scope: 'usage.read' }, schema: { querystring: costsQuerySchema } }, async (request) =>
    queryCosts(deps.store, principalOf(request).orgId, request.query, deps.clock.nowSeconds()),
  );

  registerIngestRoute(app, {
    path: '/v1/organization/costs',
    scope: 'usage.write',
    response: IngestCostsResponse,
    item: ['cost entry', 'cost entries'],
    maxItemBytes: MAX_USAGE_RECORD_BYTES,
    timeFields: ['created_at'],
    pendingWrites: () => deps.store.pendingWrites(),
    maxPendingWrites: deps.maxPendingWrites,
    handle: (request, data) => ingestCostEntries(deps, principalOf(request).orgId, data),
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
