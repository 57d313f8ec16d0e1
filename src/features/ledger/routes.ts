/**
 * The ledger read API (extension): per log, its signed checkpoints, C2SP tlog-tiles (hash tiles and
 * entry bundles) and RFC 9162 proofs. Each log's routes need that log's read scope; the summary needs
 * audit_logs.read.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { errors } from '../../lib/errors.js';
import type { Scope } from '../../lib/principal.js';
import { LOG_NAMES, type LogName } from './leaf-data.js';
import type { RetentionService } from './retention.js';
import {
  CheckpointQuery as CheckpointQuerySchema,
  ConsistencyQuery as ConsistencyQuerySchema,
  InclusionQuery as InclusionQuerySchema,
  RetentionUpdate as RetentionUpdateSchema,
} from './schemas.js';
import type { LedgerService } from './service.js';
import { parseTilePath } from './tiles.js';

export const LOG_SCOPES: Record<LogName, Scope> = { audit: 'audit_logs.read', usage: 'usage.read' };

export async function ledgerRoutes(app: FastifyInstance, deps: { ledger: LedgerService; retention: RetentionService }): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { ledger, retention } = deps;
  app.get('/v1/organization/ledger', { config: { scope: 'audit_logs.read' } }, async (request) => ledger.summary(principalOf(request).orgId));
  app.get('/v1/organization/ledger/retention', { config: { scope: 'audit_logs.read' } }, async (request) => retention.show(principalOf(request).orgId));
  // Shortening retention deletes audit history: the organization owner's scope, not audit_logs.write.
  typed.post('/v1/organization/ledger/retention', { config: { scope: 'admin_api_keys.manage' }, schema: { body: RetentionUpdateSchema } }, async (request) => {
    const principal = principalOf(request);
    const { audit_seconds: audit, usage_seconds: usage } = request.body;
    // Recorded as an organization.updated audit event in the same write (retention.ts).
    await retention.update(principal, { audit: audit === undefined ? undefined : audit || null, usage: usage === undefined ? undefined : usage || null });
    return retention.show(principal.orgId);
  });

  for (const log of LOG_NAMES) {
    const base = `/v1/organization/ledger/${log}`;
    const config = { scope: LOG_SCOPES[log] };
    typed.get(`${base}/checkpoint`, { config, schema: { querystring: CheckpointQuerySchema } }, async (request, reply) => {
      const note = await ledger.checkpoint(principalOf(request).orgId, log, request.query.tree_size);
      return reply.type('text/plain; charset=utf-8').send(note);
    });
    // Tiles go out uncompressed: hashes do not compress, and @fastify/compress sends a body whose first
    // bytes look like zlib or gzip (about 1 tile in 1,000) as it is while labelling it gzip, which
    // clients then fail to inflate (the Go verifier did, at random).
    app.get<{ Params: { '*': string } }>(`${base}/tile/*`, { config, compress: false }, async (request, reply) => {
      const tile = parseTilePath(request.params['*']);
      if (!tile) throw errors.invalidParam('tile', `'${request.params['*']}' is not a tile path (<L>/<N>[.p/<W>] or entries/<N>[.p/<W>], N as x001/x234/067).`);
      const bytes = await ledger.tile(principalOf(request).orgId, log, tile);
      // A full tile never changes; a partial one is replaced by a wider one as the log grows.
      reply.header('cache-control', tile.width === 256 ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.type('application/octet-stream').send(bytes);
    });
    app.get(`${base}/pruned`, { config }, async (request, reply) => {
      const note = await retention.pruneNote(principalOf(request).orgId, log);
      if (!note) throw errors.notFound(`Retention has not pruned the ${log} log.`);
      return reply.type('text/plain; charset=utf-8').send(note);
    });
    typed.get(`${base}/proof/inclusion`, { config, schema: { querystring: InclusionQuerySchema } }, async (request) =>
      ledger.inclusion(principalOf(request).orgId, log, request.query.id, request.query.tree_size),
    );
    typed.get(`${base}/proof/consistency`, { config, schema: { querystring: ConsistencyQuerySchema } }, async (request) =>
      ledger.consistency(principalOf(request).orgId, log, request.query.first, request.query.second),
    );
  }
}
