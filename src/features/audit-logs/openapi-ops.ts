/** The audit-log extension operations of the served OpenAPI document (src/openapi.ts). */
import { ingestOperation, type OpenApiPaths } from '../../lib/openapi.js';
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
}
