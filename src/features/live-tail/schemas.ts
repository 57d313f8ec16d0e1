/** The stream's query: the list endpoint's filters, plus where to resume and whether to keep following. */
import { Type } from '@sinclair/typebox';
import { listAuditLogsQuerySchema } from '../audit-logs/schemas.js';
import type { AuditFilter } from './filter.js';

export function streamAuditLogsQuerySchema() {
  const { limit: _limit, after: _after, before: _before, ...filters } = listAuditLogsQuerySchema().properties;
  return Type.Object({
    ...filters,
    last_event_id: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Resume after this sequence, for clients that cannot send the Last-Event-ID header.' }),
    ),
    follow: Type.Optional(Type.Boolean({ default: true, description: 'false: send the events after Last-Event-ID committed so far, then end.' })),
  });
}

export type StreamAuditLogsQuery = AuditFilter & { last_event_id?: number; follow?: boolean };
