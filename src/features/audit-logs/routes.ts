import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { errors } from '../../lib/errors.js';
import { IngestAuditLogsResponse, type ListAuditLogsQuery, listAuditLogsQuerySchema } from './schemas.js';
import type { AuditLogService } from './service.js';
import type { AuditStore } from './store.js';

export interface AuditLogRouteDeps {
  auditLogs: AuditLogService;
  store: AuditStore;
  maxPendingWrites: number;
}

export async function auditLogRoutes(app: FastifyInstance, deps: AuditLogRouteDeps): Promise<void> {
  app.get<{ Querystring: ListAuditLogsQuery }>(
    '/v1/organization/audit_logs',
    { config: { scope: 'audit_logs.read' }, schema: { querystring: listAuditLogsQuerySchema() } },
    async (request, reply) => {
      const body = await deps.auditLogs.list(principalOf(request).orgId, request.query);
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );

  app.post<{ Body: { data?: unknown } }>(
    '/v1/organization/audit_logs',
    { config: { scope: 'audit_logs.write' }, schema: { response: { 200: IngestAuditLogsResponse } } },
    async (request) => {
      if (deps.store.pendingWrites() >= deps.maxPendingWrites) throw errors.overloaded(1);
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.invalidBody('The body must be an object {"data": [event, ...]}.', null);
      if (!Array.isArray(body.data)) throw errors.invalidBody("'data' must be an array of events.", 'data');
      const data = await deps.auditLogs.ingest(principalOf(request).orgId, body.data);
      return { object: 'list' as const, data };
    },
  );
}
