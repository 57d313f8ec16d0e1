/** The usage extension operations of the served OpenAPI document (src/openapi.ts). */
import { ingestOperation, type OpenApiPaths } from '../../lib/openapi.js';
import { usageKinds } from './kinds.js';
import { IngestUsageResponse, ingestUsageBodySchema } from './record-schema.js';

export function addUsageOperations(paths: OpenApiPaths): void {
  for (const kind of usageKinds().values()) {
    const path = `/organization/usage/${kind.name}`;
    paths[path] = {
      ...paths[path],
      post: ingestOperation({
        operationId: `ingest-usage-${kind.name.replace(/_/g, '-')}`,
        summary: `Record ${kind.name} usage (orgledger extension)`,
        description:
          'Appends 1 to 10,000 usage records atomically, as {"data": [record, ...]} or application/x-ndjson. A record is one request\'s usage: optional id (idempotency key), created_at (default now), the dimensions and measures of this kind. Priced at ingest; unpriced models come back in `warnings`. Needs the usage.write scope.',
        body: ingestUsageBodySchema(kind),
        response: IngestUsageResponse,
      }),
    };
  }
}
