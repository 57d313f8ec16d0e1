/** TypeBox schemas of the audit-log wire shapes: validation, types and the served OpenAPI document. */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../lib/string-enum.js';
import { eventTypeNames } from './event-types.js';

const User = Type.Object({ id: Type.Optional(Type.String()), email: Type.Optional(Type.String()) });

/** AuditLogActor of the spec, with the sub-object its `type` names made required (see event-validation.ts). */
export const Actor = Type.Object({
  type: StringEnum(['session', 'api_key']),
  session: Type.Optional(Type.Object({ user: Type.Optional(User), ip_address: Type.Optional(Type.String()) })),
  api_key: Type.Optional(
    Type.Object({
      id: Type.Optional(Type.String()),
      type: Type.Optional(StringEnum(['user', 'service_account'])),
      user: Type.Optional(User),
      service_account: Type.Optional(Type.Object({ id: Type.Optional(Type.String()) })),
    }),
  ),
});
export type Actor = Static<typeof Actor>;

export const Project = Type.Object({ id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) });

/** Unix seconds between 1970 and 9999. */
export const UnixSeconds = Type.Integer({ minimum: 0, maximum: 253402300799 });

export const CLIENT_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$';

/** The fixed members of an event on ingest; the details object sits under the key named by `type`. */
export const AuditEventInput = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: CLIENT_ID_PATTERN, description: 'Client-chosen id: an idempotency key.' })),
    type: Type.String({ description: 'One of the audit-log event types.' }),
    effective_at: Type.Optional(UnixSeconds),
    actor: Type.Optional(Type.Union([Actor, Type.Null()])),
    project: Type.Optional(Project),
  },
  { additionalProperties: true },
);
export type AuditEventInput = Static<typeof AuditEventInput>;

export const IngestAuditLogsBody = Type.Object({
  data: Type.Array(AuditEventInput, { minItems: 1, maxItems: 1000 }),
});

export const IngestAuditLogsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      type: Type.String(),
      effective_at: Type.Integer(),
      leaf_index: Type.Integer({
        minimum: 0,
        description: "The event's leaf in the organization's `audit` ledger log (seq - 1); a replay answers the original's.",
      }),
    }),
  ),
});

const StringList = Type.Array(Type.String({ minLength: 1 }));
/** A time filter bound: any safe integer (both engines compare it with a bigint; beyond, PostgreSQL overflows). */
const TimeBound = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });

/** The list query after the query-string parser has folded `x[]=`, `x=` and `x[0]=` into arrays. */
export function listAuditLogsQuerySchema() {
  return Type.Object({
    effective_at: Type.Optional(
      Type.Object(
        { gt: Type.Optional(TimeBound), gte: Type.Optional(TimeBound), lt: Type.Optional(TimeBound), lte: Type.Optional(TimeBound) },
        { additionalProperties: false },
      ),
    ),
    project_ids: Type.Optional(StringList),
    event_types: Type.Optional(Type.Array(StringEnum(eventTypeNames()))),
    actor_ids: Type.Optional(StringList),
    actor_emails: Type.Optional(StringList),
    resource_ids: Type.Optional(StringList),
    tenant_only: Type.Optional(Type.Boolean({ default: false })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
    after: Type.Optional(Type.String()),
    before: Type.Optional(Type.String()),
  });
}
export type ListAuditLogsQuery = Static<ReturnType<typeof listAuditLogsQuerySchema>>;
