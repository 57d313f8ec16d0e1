/** GET /v1/organization/sync (extension): the mirror's status for dashboards and the console; needs usage.read. */
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import type { Clock } from '../../lib/clock.js';
import { syncStatus } from './status.js';
import type { SyncReads } from './store.js';

export async function syncRoutes(app: FastifyInstance, deps: { store: { sync: SyncReads }; clock: Clock }): Promise<void> {
  app.get('/v1/organization/sync', { config: { scope: 'usage.read' } }, async (request) =>
    syncStatus(deps.store, principalOf(request).orgId, deps.clock.nowSeconds()),
  );
}
