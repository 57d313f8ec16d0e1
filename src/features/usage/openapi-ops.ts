/** The usage extension operations of the served OpenAPI document (src/openapi.ts). */
import { ingestOperation, type OpenApiPaths } from '../../lib/openapi.js';
import { usageKinds } from './kinds.js';
import { IngestUsageResponse, ingestUsageBodySchema } from './record-schema.js';
import { ProvidersFilter } from './schemas.js';

/** The `providers` filter orgledger adds to every usage GET (migration 9). */
const providersParameter = {
  name: 'providers',
  in: 'query',
  required: false,
  description: ProvidersFilter.description,
  schema: { type: 'array', items: { type: 'string' } },
  'x-orgledger-extension': 'orgledger: the provider kept on usage records (OTLP gen_ai.provider.name, or `provider` on ingest)',
};

export function addUsageOperations(paths: OpenApiPaths): void {
  for (const kind of usageKinds().values()) {
    const path = `/organization/usage/${kind.name}`;
    const get = paths[path]?.get as { parameters?: unknown[] } | undefined;
    paths[path] = {
      ...paths[path],
      ...(get ? { get: { ...get, parameters: [...(get.parameters ?? []), providersParameter] } } : {}),
      post: ingestOperation({
        operationId: `ingest-usage-${kind.name.replace(/_/g, '-')}`,
        summary: `Record ${kind.name} usage (orgledger extension)`,
        description:
          'Appends 1 to 10,000 usage records atomically, as {"data": [record, ...]} or application/x-ndjson. A record is one request\'s usage: optional id (idempotency key), created_at (default now), the dimensions and measures of this kind, and optionally `provider` (orgledger extension: filter with `providers`). Priced at ingest; unpriced models come back in `warnings`. Needs the usage.write scope.',
        body: ingestUsageBodySchema(kind),
        response: IngestUsageResponse,
      }),
    };
  }
}
