/**
 * The OpenAPI document orgledger serves at GET /openapi.json: the official OpenAI operations (the
 * spec subset we ship) with the newer-SDK additions of src/spec/sdk-extensions.ts (marked
 * x-orgledger-extension), plus our ingestion extensions, whose schemas are the TypeBox schemas the
 * routes validate with.
 */
import { IngestAuditLogsBody, IngestAuditLogsResponse } from '../features/audit-logs/schemas.js';
import { addUsageOperations } from '../features/usage/openapi-ops.js';
import { servedSpec } from '../spec/sdk-extensions.js';

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const official = servedSpec();
  const paths: Record<string, Record<string, unknown>> = structuredClone(official.paths);
  const auditLogs = paths['/organization/audit_logs'] ?? {};
  auditLogs.post = {
    operationId: 'ingest-audit-logs',
    summary: 'Record audit events (orgledger extension)',
    description:
      'Appends 1 to 1000 events atomically. Send {"data": [event, ...]} as application/json, or one event per line as application/x-ndjson. An event is an AuditLog without `id` (or with a client-chosen id, which makes replays idempotent). Needs the audit_logs.write scope.',
    security: [{ AdminApiKeyAuth: [] }],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: IngestAuditLogsBody }, 'application/x-ndjson': { schema: { type: 'string' } } },
    },
    responses: {
      200: { description: 'Stored', content: { 'application/json': { schema: IngestAuditLogsResponse } } },
      400: errorResponse,
      401: errorResponse,
      403: errorResponse,
      409: errorResponse,
      413: errorResponse,
      429: errorResponse,
    },
  };
  paths['/organization/audit_logs'] = auditLogs;
  addUsageOperations(paths);
  return {
    ...official,
    info: {
      ...official.info,
      title: 'orgledger',
      version,
      description: 'The OpenAI organization Admin API (audit logs, usage, costs, admin keys) served by orgledger, plus its ingestion extensions.',
    },
    servers: [{ url: '/v1' }],
    paths,
  };
}
