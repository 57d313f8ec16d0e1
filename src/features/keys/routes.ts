import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../../http/principal.js';
import { CreateAdminKeyBody as CreateBody, KeyIdParams, ListAdminKeysQuery as ListQuery } from './schemas.js';
import { adminKeyWire, type KeyService } from './service.js';

export async function keyRoutes(app: FastifyInstance, deps: { keys: KeyService }): Promise<void> {
  // Schemas type the handlers: request.query, .params and .body are Static<schema>.
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  const { keys } = deps;
  const config = { scope: 'admin_api_keys.manage' as const };

  typed.get('/v1/organization/admin_api_keys', { config, schema: { querystring: ListQuery } }, async (request) =>
    keys.list(principalOf(request).orgId, request.query),
  );

  typed.post('/v1/organization/admin_api_keys', { config, schema: { body: CreateBody } }, async (request) => {
    const created = await keys.create(principalOf(request), request.body);
    return { ...adminKeyWire(created.record), value: created.secret };
  });

  typed.get('/v1/organization/admin_api_keys/:key_id', { config, schema: { params: KeyIdParams } }, async (request) =>
    adminKeyWire(await keys.get(principalOf(request).orgId, request.params.key_id)),
  );

  typed.delete('/v1/organization/admin_api_keys/:key_id', { config, schema: { params: KeyIdParams } }, async (request) => {
    await keys.revoke(principalOf(request), request.params.key_id);
    return { id: request.params.key_id, object: 'organization.admin_api_key.deleted' as const, deleted: true };
  });
}
