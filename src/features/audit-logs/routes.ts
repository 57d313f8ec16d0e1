import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { MAX_AUDIT_EVENT_BYTES } from '../../http/ingest-limits.js';
import { registerIngestRoute } from '../../http/ingest-route.js';
import { principalOf } from '../../http/principal.js';
import { AuditCountsResponse, auditCountsQuerySchema, countAuditEvents } from './counts.js';
import { AuditLogIdParams, AuditProvenanceResponse, auditProvenance } from './provenance.js';
import { IngestAuditLogsResponse, listAuditLogsQuerySchema } from './schemas.js';
import { type AuditLogService, MAX_EVENTS_PER_BATCH } from './service.js';
import type { AuditStore } from './store.js';

export interface AuditLogRouteDeps {
  auditLogs: AuditLogService;
  store: AuditStore;
  maxPendingWrites: number;
  nowSeconds: () => number;
}

export async function auditLogRoutes(app: FastifyInstance, deps: AuditLogRouteDeps): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  typed.get(
    '/v1/organization/audit_logs',
    { config: { scope: 'audit_logs.read' }, schema: { querystring: listAuditLogsQuerySchema() } },
    async (request, reply) => {
      const body = await deps.auditLogs.list(principalOf(request).orgId, request.query);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  // Extension: counts per type and period, one indexed query (the console's security panel).
  typed.get(
    '/v1/organization/audit_logs/counts',
    { config: { scope: 'audit_logs.read' }, schema: { querystring: auditCountsQuerySchema(), response: { 200: AuditCountsResponse } } },
    async (request) => countAuditEvents(deps.store.audit, principalOf(request).orgId, request.query, deps.nowSeconds()),
  );

  // Extension: who ingested one event (key, request, time). audit_logs.read: whoever may read the event
  // may see whether an admin key sent it or orgledger recorded it; a write-only key learns nothing.
  typed.get(
    '/v1/organization/audit_logs/:audit_log_id/provenance',
    { config: { scope: 'audit_logs.read' }, schema: { params: AuditLogIdParams, response: { 200: AuditProvenanceResponse } } },
    async (request) => auditProvenance(deps.store.audit, principalOf(request).orgId, request.params.audit_log_id),
  );

  registerIngestRoute(app, {
    path: '/v1/organization/audit_logs',
    scope: 'audit_logs.write',
    response: IngestAuditLogsResponse,
    item: ['event', 'events'],
    maxItemBytes: MAX_AUDIT_EVENT_BYTES,
    maxItems: MAX_EVENTS_PER_BATCH,
    timeFields: ['effective_at'],
    pendingWrites: () => deps.store.pendingWrites(),
    maxPendingWrites: deps.maxPendingWrites,
    handle: async (request, data) => {
      const principal = principalOf(request);
      return { object: 'list' as const, data: await deps.auditLogs.ingest(principal.orgId, data, { keyId: principal.keyId, requestId: request.id }) };
    },
  });
}
