/**
 * Response schemas of the operations the 2026-08-21 spec lacks, written by hand from the newest
 * SDK's types (node_modules/openai-latest/resources/admin/organization/usage.d.ts, 7.59.0:
 * UsageDecisionsResponse), NOT from orgledger's served /openapi.json: an independent check, so a
 * wrong served extension cannot validate itself. Stricter than the SDK where it costs nothing
 * (no unknown members, integer counts).
 */
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const count = { type: 'integer', minimum: 0 };

const DECISIONS_MEASURES = [
  'input_audio_tokens',
  'input_cache_write_12h_tokens',
  'input_cache_write_30m_tokens',
  'input_cache_write_tokens',
  'input_cached_audio_tokens',
  'input_cached_image_tokens',
  'input_cached_text_tokens',
  'input_cached_tokens',
  'input_image_tokens',
  'input_text_tokens',
  'input_uncached_tokens',
  'output_audio_tokens',
  'output_image_tokens',
  'output_text_tokens',
];

export const DECISIONS_RESULT = {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'input_tokens', 'output_tokens', 'num_model_requests'],
  properties: {
    object: { const: 'organization.usage.decisions.result' },
    input_tokens: count,
    output_tokens: count,
    num_model_requests: count,
    ...Object.fromEntries(DECISIONS_MEASURES.map((m) => [m, nullable(count)])),
    api_key_id: nullable({ type: 'string' }),
    api_source: nullable({ enum: ['agents_api', 'unlabeled'] }),
    batch: nullable({ type: 'boolean' }),
    model: nullable({ type: 'string' }),
    project_id: nullable({ type: 'string' }),
    service_tier: nullable({ type: 'string' }),
    user_id: nullable({ type: 'string' }),
  },
};

export const DECISIONS_RESPONSE = {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'data', 'has_more', 'next_page'],
  properties: {
    object: { const: 'page' },
    has_more: { type: 'boolean' },
    next_page: nullable({ type: 'string' }),
    data: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['object', 'start_time', 'end_time', 'results'],
        properties: {
          object: { const: 'bucket' },
          start_time: { type: 'integer' },
          end_time: { type: 'integer' },
          results: { type: 'array', items: DECISIONS_RESULT },
        },
      },
    },
  },
};

/** GET paths outside the spec whose 200 bodies are checked against the schemas above. */
export const SDK_ONLY_RESPONSES: Record<string, object> = {
  '/organization/usage/decisions': DECISIONS_RESPONSE,
};
