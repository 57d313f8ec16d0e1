/** The live tail's extension operation in the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, type OpenApiPaths } from '../../lib/openapi.js';
import { streamAuditLogsQuerySchema } from './schemas.js';

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };

export function addLiveTailOperations(paths: OpenApiPaths): void {
  const query = streamAuditLogsQuerySchema();
  const parameters = [
    ...Object.entries(query.properties).map(([name, schema]) => ({
      name,
      in: 'query',
      required: false,
      ...(['effective_at'].includes(name) ? { style: 'deepObject', explode: true } : {}),
      schema,
    })),
    { name: 'Last-Event-ID', in: 'header', required: false, description: 'Resume after this event id (sequence).', schema: { type: 'string' } },
  ];
  paths['/organization/audit_logs/stream'] = {
    get: {
      operationId: 'stream-audit-logs',
      summary: 'Follow the audit log live as Server-Sent Events (orgledger extension)',
      description:
        "Streams the organization's audit events as they are committed, filtered like GET /organization/audit_logs. Each event is an SSE message whose `id` is the event's per-organization sequence and whose `data` is the AuditLog JSON. Send Last-Event-ID (or ?last_event_id=) to resume after a sequence; without it the stream starts at the newest event. Comment lines (`: heartbeat`) keep idle connections open. A client that reads too slowly, whose key is revoked, or whose server shuts down gets a final `event: error` whose data is the OpenAI error envelope (code slow_client, key_revoked, server_shutdown or store_error). Needs the audit_logs.read scope.",
      'x-orgledger-extension': 'orgledger live tail',
      security: ADMIN_KEY_SECURITY,
      parameters,
      responses: {
        200: { description: 'The event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        ...Object.fromEntries([400, 401, 403].map((s) => [s, errorResponse])),
      },
    },
  };
}
