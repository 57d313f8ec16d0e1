import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { CreateLogStreamBody as CreateBody, ReplayBody as Replay, StreamIdParams } from './schemas.js';
import type { LogStreamService } from './service.js';

export async function logStreamRoutes(app: FastifyInstance, deps: { logStreams: LogStreamService }): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { logStreams } = deps;
  const config = { scope: 'log_streams.manage' as const };
  const base = '/v1/organization/log_streams';
  const params = StreamIdParams;

  app.get(base, { config }, async (request) => logStreams.list(principalOf(request).orgId));
  typed.post(base, { config, schema: { body: CreateBody } }, async (request) => logStreams.create(principalOf(request).orgId, request.body));
  typed.get(`${base}/:stream_id`, { config, schema: { params } }, async (request) => logStreams.get(principalOf(request).orgId, request.params.stream_id));
  typed.delete(`${base}/:stream_id`, { config, schema: { params } }, async (request) =>
    logStreams.remove(principalOf(request).orgId, request.params.stream_id),
  );
  typed.post(`${base}/:stream_id/replay`, { config, schema: { params, body: Replay } }, async (request) =>
    logStreams.replay(principalOf(request).orgId, request.params.stream_id, request.body),
  );
  typed.post(`${base}/:stream_id/rotate_secret`, { config, schema: { params } }, async (request) =>
    logStreams.rotateSecret(principalOf(request).orgId, request.params.stream_id),
  );
}
