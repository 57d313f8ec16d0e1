/** The audit-log extension operations of the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, INGEST_ERRORS, ingestOperation, type OpenApiPaths } from '../../lib/openapi.js';
import { AuditCountsResponse, auditCountsQuerySchema, MAX_COUNT_BUCKETS } from './counts.js';
import { AuditProvenanceResponse } from './provenance.js';
import { IngestAuditLogsBody, IngestAuditLogsResponse } from './schemas.js';

export function addAuditLogOperations(paths: OpenApiPaths): void {
  paths['/organization/audit_logs'] = {
    ...paths['/organization/audit_logs'],
    post: ingestOperation({
      operationId: 'ingest-audit-logs',
      summary: 'Record audit events (orgledger extension)',
      description:
        'Appends 1 to 1000 events atomically. Send {"data": [event, ...]} as application/json, or one event per line as application/x-ndjson. An event is an AuditLog without `id` (or with a client-chosen id, which makes replays idempotent). Needs the audit_logs.write scope.',
      body: IngestAuditLogsBody,
      response: IngestAuditLogsResponse,
    }),
  };
  const query = auditCountsQuerySchema();
  paths['/organization/audit_logs/counts'] = {
    get: {
      operationId: 'count-audit-logs',
      summary: 'Count audit events per type and period (orgledger extension)',
      description: `Counts of the given event types in periods of bucket_width (1h, 1d or 7d, default 1d) from start_time to end_time (default now); the first period starts at start_time, the last ends at end_time. Each period lists only the types it holds. At most ${MAX_COUNT_BUCKETS} periods. Needs the audit_logs.read scope.`,
      security: ADMIN_KEY_SECURITY,
      parameters: [
        { name: 'event_types[]', in: 'query', required: true, schema: query.properties.event_types },
        { name: 'start_time', in: 'query', required: true, schema: query.properties.start_time },
        { name: 'end_time', in: 'query', required: false, schema: query.properties.end_time },
        { name: 'bucket_width', in: 'query', required: false, schema: query.properties.bucket_width },
      ],
      responses: { 200: { description: 'Counts per period', content: { 'application/json': { schema: AuditCountsResponse } } }, ...INGEST_ERRORS },
    },
  };
  paths['/organization/audit_logs/{audit_log_id}/provenance'] = {
    get: {
      operationId: 'retrieve-audit-log-provenance',
      summary: 'Which admin key ingested an audit event, when and in which request (orgledger extension)',
      description:
        "The ingesting admin key's id, the request id (x-request-id) and the time the event was stored, or recorded_by_orgledger=true when no key ingested it. Not part of the OpenAI-shaped list. An unknown id, or another organization's event, is a 404. Needs the audit_logs.read scope.",
      security: ADMIN_KEY_SECURITY,
      parameters: [{ name: 'audit_log_id', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'The provenance of the event', content: { 'application/json': { schema: AuditProvenanceResponse } } },
        ...INGEST_ERRORS,
        404: INGEST_ERRORS[400],
      },
    },
  };
}
