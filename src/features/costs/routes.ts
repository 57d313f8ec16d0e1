import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import type { PriceTable } from '../usage/price-table.js';
import { type CostsQuery, costsQuerySchema } from '../usage/schemas.js';
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
  app.get<{ Querystring: CostsQuery }>(
    '/v1/organization/costs',
    { config: { scope: 'usage.read' }, schema: { querystring: costsQuerySchema } },
    async (request) => queryCosts(deps.store, principalOf(request).orgId, request.query, deps.clock.nowSeconds()),
  );

  app.post<{ Body: { data?: unknown } }>(
    '/v1/organization/costs',
    { config: { scope: 'usage.write' }, schema: { response: { 200: IngestCostsResponse } } },
    async (request) => {
      if (deps.store.pendingWrites() >= deps.maxPendingWrites) throw errors.overloaded(1);
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.invalidBody('The body must be an object {"data": [cost entry, ...]}.', null);
      if (!Array.isArray(body.data)) throw errors.invalidBody("'data' must be an array of cost entries.", 'data');
      return ingestCostEntries(deps, principalOf(request).orgId, body.data);
    },
  );

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
