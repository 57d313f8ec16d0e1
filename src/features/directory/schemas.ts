/** TypeBox schemas of the directory extension: the response the route sends and the OpenAPI document shows. */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../lib/string-enum.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const DirectoryEntrySchema = Type.Object({
  object: Type.Literal('organization.directory.entry'),
  kind: StringEnum(['project', 'user', 'service_account', 'api_key', 'admin_key']),
  id: Type.String(),
  name: Nullable(Type.String({ description: "A project's, service account's or key's name; a user's email. Null when no record named it." })),
  email: Nullable(Type.String()),
  project_id: Nullable(Type.String({ description: 'The project a service account or API key belongs to, when an event said so.' })),
  owner_id: Nullable(Type.String({ description: 'The user or service account an API key or admin key acts for.' })),
  last_seen_at: Type.Integer({ description: 'The newest event (or admin key creation or use) mentioning the id, Unix seconds.' }),
});

export const DirectoryResponse = Type.Object({
  object: Type.Literal('organization.directory'),
  data: Type.Array(DirectoryEntrySchema),
  scanned_events: Type.Integer({ description: 'Audit events read to build the directory.' }),
  truncated: Type.Boolean({ description: 'True when older events were left unread: ids only they mention are missing.' }),
});
export type DirectoryResponse = Static<typeof DirectoryResponse>;
