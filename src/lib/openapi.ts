/**
 * Shapes every feature uses when it adds its extension operations to the served OpenAPI document
 * (src/openapi.ts): the error responses in the OpenAI envelope and the admin-key security.
 */
export type OpenApiPaths = Record<string, Record<string, unknown>>;

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };

/** The error responses an ingest operation can answer, each in the OpenAI error envelope. */
export const INGEST_ERRORS = Object.fromEntries([400, 401, 403, 409, 413, 429].map((s) => [s, errorResponse]));

export const ADMIN_KEY_SECURITY = [{ AdminApiKeyAuth: [] }];

/** A POST operation taking {"data": [...]} as JSON or NDJSON, answering `response` with 200. */
export function ingestOperation(op: { operationId: string; summary: string; description: string; body: unknown; response: unknown }): Record<string, unknown> {
  return {
    operationId: op.operationId,
    summary: op.summary,
    description: op.description,
    security: ADMIN_KEY_SECURITY,
    requestBody: { required: true, content: { 'application/json': { schema: op.body }, 'application/x-ndjson': { schema: { type: 'string' } } } },
    responses: { 200: { description: 'Stored', content: { 'application/json': { schema: op.response } } }, ...INGEST_ERRORS },
  };
}
