import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { ingestUsage } from './ingest.js';
import { usageKinds } from './kinds.js';
import type { PriceTable } from './price-table.js';
import { queryUsage } from './query.js';
import { IngestUsageResponse } from './record-schema.js';
import { type UsageQuery, usageQuerySchema } from './schemas.js';
import type { UsageStore } from './store.js';

export interface UsageRouteDeps {
  store: UsageStore;
  clock: Clock;
  prices: PriceTable;
  maxPendingWrites: number;
}

/** GET (the ten spec operations) and POST (the ingest extension) of /v1/organization/usage/{kind}. */
export async function usageRoutes(app: FastifyInstance, deps: UsageRouteDeps): Promise<void> {
  for (const kind of usageKinds().values()) {
    const path = `/v1/organization/usage/${kind.name}`;
    app.get<{ Querystring: UsageQuery }>(path, { config: { scope: 'usage.read' }, schema: { querystring: usageQuerySchema(kind) } }, async (request) =>
      queryUsage(deps.store, principalOf(request).orgId, kind, request.query, deps.clock.nowSeconds()),
    );

    app.post<{ Body: { data?: unknown } }>(path, { config: { scope: 'usage.write' }, schema: { response: { 200: IngestUsageResponse } } }, async (request) => {
      if (deps.store.pendingWrites() >= deps.maxPendingWrites) throw errors.overloaded(1);
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.invalidBody('The body must be an object {"data": [record, ...]}.', null);
      if (!Array.isArray(body.data)) throw errors.invalidBody("'data' must be an array of usage records.", 'data');
      const result = await ingestUsage(deps, principalOf(request).orgId, kind.name, body.data);
      for (const w of result.warnings) request.log.warn({ kind: kind.name, model: w.model, tier: w.tier, records: w.records }, 'unpriced usage');
      return result.warnings.length
        ? { object: 'list' as const, data: result.data, warnings: result.warnings }
        : { object: 'list' as const, data: result.data };
    });
  }
}
