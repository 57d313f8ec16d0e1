import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { CreateLogStreamBody as CreateBody, type CreateLogStreamBody, ReplayBody as Replay, type ReplayBody, StreamIdParams } from './schemas.js';
import type { LogStreamService } from './service.js';

type WithId = { Params: { stream_id: string } };

export async function logStreamRoutes(app: FastifyInstance, deps: { logStreams: LogStreamService }): Promise<void> {
  const { logStreams } = deps;
  const config = { scope: 'log_streams.manage' as const };
  const base = '/v1/organization/log_streams';
  const params = StreamIdParams;

  app.get(base, { config }, async (request) => logStreams.list(principalOf(request).orgId));
  app.post<{ Body: CreateLogStreamBody }>(base, { config, schema: { body: CreateBody } }, async (request) =>
    logStreams.create(principalOf(request).orgId, request.body),
  );
  app.get<WithId>(`${base}/:stream_id`, { config, schema: { params } }, async (request) =>
    logStreams.get(principalOf(request).orgId, request.params.stream_id),
  );
  app.delete<WithId>(`${base}/:stream_id`, { config, schema: { params } }, async (request) =>
    logStreams.remove(principalOf(request).orgId, request.params.stream_id),
  );
  app.post<WithId & { Body: ReplayBody }>(`${base}/:stream_id/replay`, { config, schema: { params, body: Replay } }, async (request) =>
    logStreams.replay(principalOf(request).orgId, request.params.stream_id, request.body),
  );
  app.post<WithId>(`${base}/:stream_id/rotate_secret`, { config, schema: { params } }, async (request) =>
    logStreams.rotateSecret(principalOf(request).orgId, request.params.stream_id),
  );
}
