/** The usage and costs extension operations of the served OpenAPI document (see src/http/openapi.ts). */
import { IngestCostsBody, IngestCostsResponse, UnpricedUsageList } from '../costs/schemas.js';
import { usageKinds } from './kinds.js';
import { IngestUsageResponse, ingestUsageBodySchema } from './record-schema.js';

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };
const errors = Object.fromEntries([400, 401, 403, 409, 413, 429].map((s) => [s, errorResponse]));
const security = [{ AdminApiKeyAuth: [] }];

export function addUsageOperations(paths: Record<string, Record<string, unknown>>): void {
  for (const kind of usageKinds().values()) {
    const path = `/organization/usage/${kind.name}`;
    paths[path] = {
      ...paths[path],
      post: {
        operationId: `ingest-usage-${kind.name.replace(/_/g, '-')}`,
        summary: `Record ${kind.name} usage (orgledger extension)`,
        description:
          'Appends 1 to 10,000 usage records atomically, as {"data": [record, ...]} or application/x-ndjson. A record is one request\'s usage: optional id (idempotency key), created_at (default now), the dimensions and measures of this kind. Priced at ingest; unpriced models come back in `warnings`. Needs the usage.write scope.',
        security,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: ingestUsageBodySchema(kind) }, 'application/x-ndjson': { schema: { type: 'string' } } },
        },
        responses: { 200: { description: 'Stored', content: { 'application/json': { schema: IngestUsageResponse } } }, ...errors },
      },
    };
  }
  paths['/organization/costs'] = {
    ...paths['/organization/costs'],
    post: {
      operationId: 'ingest-costs',
      summary: 'Record cost entries priced elsewhere (orgledger extension)',
      description: 'Appends 1 to 10,000 explicit cost entries atomically; ids make replays idempotent. Needs the usage.write scope.',
      security,
      requestBody: { required: true, content: { 'application/json': { schema: IngestCostsBody }, 'application/x-ndjson': { schema: { type: 'string' } } } },
      responses: { 200: { description: 'Stored', content: { 'application/json': { schema: IngestCostsResponse } } }, ...errors },
    },
  };
  paths['/organization/costs/unpriced'] = {
    get: {
      operationId: 'list-unpriced-usage',
      summary: 'Usage the price table could not price (orgledger extension)',
      security,
      responses: { 200: { description: 'Models and tiers without a price', content: { 'application/json': { schema: UnpricedUsageList } } }, ...errors },
    },
  };
}
