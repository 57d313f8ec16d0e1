/** The costs extension operations of the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, INGEST_ERRORS, ingestOperation, type OpenApiPaths } from '../../lib/openapi.js';
import { IngestCostsBody, IngestCostsResponse, UnpricedUsageList } from './schemas.js';

export function addCostOperations(paths: OpenApiPaths): void {
  paths['/organization/costs'] = {
    ...paths['/organization/costs'],
    post: ingestOperation({
      operationId: 'ingest-costs',
      summary: 'Record cost entries priced elsewhere (orgledger extension)',
      description: 'Appends 1 to 10,000 explicit cost entries atomically; ids make replays idempotent. Needs the usage.write scope.',
      body: IngestCostsBody,
      response: IngestCostsResponse,
    }),
  };
  paths['/organization/costs/unpriced'] = {
    get: {
      operationId: 'list-unpriced-usage',
      summary: 'Usage the price table could not price (orgledger extension)',
      security: ADMIN_KEY_SECURITY,
      responses: { 200: { description: 'Models and tiers without a price', content: { 'application/json': { schema: UnpricedUsageList } } }, ...INGEST_ERRORS },
    },
  };
}
