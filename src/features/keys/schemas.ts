/** TypeBox schemas of the admin API key operations (the spec's shapes plus our `scopes` extension). */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../lib/string-enum.js';
import { ALL_SCOPES } from './types.js';

export const ScopeSchema = StringEnum(ALL_SCOPES);

export const CreateAdminKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  expires_in_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 31536000 })),
  scopes: Type.Optional(
    Type.Array(ScopeSchema, {
      minItems: 1,
      uniqueItems: true,
      description: 'orgledger extension: what the key may do, at most the scopes of the calling key (default: all of those).',
    }),
  ),
});
export type CreateAdminKeyBody = Static<typeof CreateAdminKeyBody>;

export const ListAdminKeysQuery = Type.Object({
  after: Type.Optional(Type.String()),
  order: Type.Optional(StringEnum(['asc', 'desc'], { default: 'asc' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
});
export type ListAdminKeysQuery = Static<typeof ListAdminKeysQuery>;

export const KeyIdParams = Type.Object({ key_id: Type.String() });
