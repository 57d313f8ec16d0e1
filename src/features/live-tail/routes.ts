/** GET /v1/organization/audit_logs/stream: the audit log as Server-Sent Events (see docs/audit-logs.md). */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { errors } from '../../lib/errors.js';
import { auditMatcher } from './filter.js';
import { streamAuditLogsQuerySchema } from './schemas.js';
import type { LiveTail } from './service.js';
import { Subscriber } from './subscriber.js';

export interface LiveTailRouteDeps {
  liveTail: LiveTail;
  clientBufferBytes: number;
}

/** Last-Event-ID (header, as EventSource sends it, or query): a sequence number. */
function resumePoint(header: string | string[] | undefined, query: number | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value !== undefined && value.trim() !== '') {
    if (!/^\d{1,15}$/.test(value.trim()))
      throw errors.invalidParam('Last-Event-ID', 'Last-Event-ID must be the id of an event of this stream (a sequence number).');
    return Number(value.trim());
  }
  return query ?? null;
}

export async function liveTailRoutes(app: FastifyInstance, deps: LiveTailRouteDeps): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('preClose', async () => deps.liveTail.close());

  typed.get(
    '/v1/organization/audit_logs/stream',
    { config: { scope: 'audit_logs.read', readLimit: false }, schema: { querystring: streamAuditLogsQuerySchema() } },
    async (request, reply) => {
      const principal = principalOf(request);
      const matches = auditMatcher(request.query);
      const from = resumePoint(request.headers['last-event-id'], request.query.last_event_id);
      const secret = /^Bearer\s+(\S+)/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
      // From here the response is a stream written by hand: compression and onSend hooks stay out of it.
      reply.hijack();
      const res = reply.raw;
      // The body ends with the connection (Connection: close) instead of chunked framing: each write
      // is then one plain socket write, which is most of what a fan-out to 1,000 clients costs.
      res.useChunkedEncodingByDefault = false;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      const { last_event_id: _last, follow: _follow, ...filters } = request.query;
      const sub = new Subscriber(res, principal.orgId, secret, JSON.stringify(filters), matches, deps.clientBufferBytes);
      try {
        await deps.liveTail.subscribe(sub, from, request.query.follow ?? true);
      } catch (err) {
        request.log.error({ err }, 'live tail failed');
        sub.end('store_error', 'The store could not be read; reconnect with Last-Event-ID to resume.');
      }
    },
  );
}
