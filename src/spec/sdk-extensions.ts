/**
 * What the newest openai SDK (7.57-7.59, Nov 2026) serves beyond the 2026-08-21 spec we ship, written
 * as additions to that spec so the kinds registry and the served /openapi.json read one document:
 *
 * - GET /organization/usage/decisions (SDK `usage.decisions`): the completions operation and result,
 *   with object `organization.usage.decisions.result`, answered as its own page schema
 *   (UsageDecisionsResponse) as the SDK types it;
 * - `group_by=api_source` on completions, decisions, web_search_calls and costs, and the nullable
 *   `api_source` field (`agents_api` | `unlabeled`) on their results;
 * - completions and decisions measures `input_cache_write_12h_tokens`, `input_cache_write_30m_tokens`;
 * - costs `group_by=user_id` and the `user_id` field on costs results.
 *
 * Every added schema, property and operation carries `x-orgledger-extension` naming its source. The
 * official file itself is never changed (the contract tests validate against it as published).
 */
import { type JsonSchema, type OpenApiDocument, officialOpenApi } from './spec-files.js';

const SOURCE = 'openai SDK 7.57+ (Nov 2026); not in the 2026-08-21 spec';

const apiSource: JsonSchema = {
  anyOf: [{ type: 'string', enum: ['agents_api', 'unlabeled'] }, { type: 'null' }],
  description:
    'When grouped by `api_source`, `agents_api` identifies attributed Agents API activity and `unlabeled` includes all records without published source attribution (in orgledger: records ingested without `api_source`, or with null). Without source grouping, this field is null.',
  'x-orgledger-extension': SOURCE,
};

const cacheWrite = (period: string): JsonSchema => ({
  type: 'integer',
  description: `The aggregated number of input tokens written to the cache with a ${period} retention period (part of input_cache_write_tokens).`,
  'x-orgledger-extension': SOURCE,
});

type Schema = { properties: Record<string, JsonSchema>; [k: string]: unknown };
type Operation = { parameters: { name: string; schema: { items?: { enum?: string[] } } }[]; [k: string]: unknown };

function addGroupBy(op: Operation, values: string[]): void {
  const items = op.parameters.find((p) => p.name === 'group_by')?.schema.items;
  if (!items?.enum) throw new Error('spec: group_by without an enum');
  items.enum = [...items.enum, ...values.filter((v) => !items.enum?.includes(v))];
}

function extend(official: OpenApiDocument): OpenApiDocument {
  const spec = structuredClone(official);
  const schemas = spec.components.schemas as Record<string, Schema>;
  const get = (path: string) => (spec.paths[path] as { get: Operation }).get;

  const completions = schemas.UsageCompletionsResult as Schema;
  completions.properties.input_cache_write_12h_tokens = cacheWrite('12-hour');
  completions.properties.input_cache_write_30m_tokens = cacheWrite('30-minute');
  completions.properties.api_source = apiSource;
  (schemas.UsageWebSearchCallsResult as Schema).properties.api_source = apiSource;
  const costs = schemas.CostsResult as Schema;
  costs.properties.user_id = {
    anyOf: [{ type: 'string' }, { type: 'null' }],
    description: 'When `group_by=user_id`, the user ID of the grouped costs result.',
    'x-orgledger-extension': SOURCE,
  };
  costs.properties.api_source = apiSource;

  const decisions = structuredClone(completions);
  decisions.description = 'The aggregated Decisions API usage details of the specific time bucket.';
  decisions.properties.object = { type: 'string', enum: ['organization.usage.decisions.result'], 'x-stainless-const': true };
  decisions['x-orgledger-extension'] = SOURCE;
  schemas.UsageDecisionsResult = decisions;
  const bucket = structuredClone(schemas.UsageTimeBucket as Schema);
  bucket.properties.results = { type: 'array', items: { $ref: '#/components/schemas/UsageDecisionsResult' } };
  bucket['x-orgledger-extension'] = SOURCE;
  schemas.UsageDecisionsTimeBucket = bucket;
  const page = structuredClone(schemas.UsageResponse as Schema);
  page.properties.data = { type: 'array', items: { $ref: '#/components/schemas/UsageDecisionsTimeBucket' } };
  page['x-orgledger-extension'] = SOURCE;
  schemas.UsageDecisionsResponse = page;

  addGroupBy(get('/organization/usage/completions'), ['api_source']);
  addGroupBy(get('/organization/usage/web_search_calls'), ['api_source']);
  addGroupBy(get('/organization/costs'), ['user_id', 'api_source']);
  const costsOp = get('/organization/costs');
  if (!costsOp.parameters.some((p) => p.name === 'line_items'))
    costsOp.parameters.push({
      name: 'line_items',
      in: 'query',
      description: 'Return only costs for these exact line item names, e.g. `gpt-4o, input_tokens`.',
      required: false,
      schema: { type: 'array', items: { type: 'string' } },
      'x-orgledger-extension': SOURCE,
    } as Operation['parameters'][number]);

  const op = structuredClone(get('/organization/usage/completions'));
  op.summary = 'Get Decisions API usage details for the organization.';
  op.operationId = 'usage-decisions';
  op['x-orgledger-extension'] = SOURCE;
  op.responses = {
    ...(op.responses as Record<string, unknown>),
    200: {
      description: 'Usage data retrieved successfully.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/UsageDecisionsResponse' } } },
    },
  };
  spec.paths['/organization/usage/decisions'] = { get: op };
  return spec;
}

let served: OpenApiDocument | undefined;

/** The official spec plus the newer-SDK additions above: what orgledger serves. */
export function servedSpec(): OpenApiDocument {
  served ??= extend(officialOpenApi());
  return served;
}
