/** TypeBox schemas of the log-streams extension operations. */
import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../lib/string-enum.js';
import { RECORD_KINDS, SINK_TYPES } from './types.js';

const Str = (description?: string) => Type.Optional(Type.String({ minLength: 1, maxLength: 2048, ...(description ? { description } : {}) }));

/** Every sink's fields in one object; the service checks which ones each type requires. */
export const SinkBody = Type.Object(
  {
    type: StringEnum(SINK_TYPES),
    url: Str('webhook, splunk_hec, elasticsearch: the receiver URL'),
    secret: Str('webhook: a whsec_ signing secret (generated when absent)'),
    token: Str('splunk_hec: the HEC token'),
    index: Str('splunk_hec, elasticsearch: the index (or data stream)'),
    api_key: Str('elasticsearch: an API key'),
    username: Str('elasticsearch: basic auth user'),
    password: Str('elasticsearch: basic auth password'),
    host: Str('syslog: the collector host'),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    tls: Type.Optional(Type.Boolean()),
    ca: Str('syslog: PEM of the CA that signed the collector certificate (TLS)'),
    endpoint: Str('s3: the endpoint URL of an S3-compatible store'),
    bucket: Str('s3: the bucket'),
    prefix: Type.Optional(Type.String({ maxLength: 512 })),
    region: Str('s3: the region'),
    access_key_id: Str('s3: the access key id'),
    secret_access_key: Str('s3: the secret access key'),
    force_path_style: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const CreateLogStreamBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    sink: SinkBody,
    records: Type.Optional(Type.Array(StringEnum(RECORD_KINDS), { minItems: 1, uniqueItems: true, default: ['audit'] })),
    filters: Type.Optional(
      Type.Object(
        {
          event_types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 })),
          project_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 })),
        },
        { additionalProperties: false },
      ),
    ),
    batch: Type.Optional(
      Type.Object(
        {
          max_records: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 100 })),
          max_wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000, default: 1000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type CreateLogStreamBody = Static<typeof CreateLogStreamBody>;

export const ReplayBody = Type.Object(
  {
    from_sequence: Type.Optional(Type.Integer({ minimum: 1, description: 'Re-send from this sequence number (of each record kind).' })),
    from_time: Type.Optional(Type.Integer({ minimum: 0, description: 'Re-send everything ingested at or after this Unix time.' })),
  },
  { additionalProperties: false },
);
export type ReplayBody = Static<typeof ReplayBody>;

export const StreamIdParams = Type.Object({ stream_id: Type.String({ maxLength: 200 }) });

const Positions = Type.Object({ audit: Type.Integer(), usage: Type.Integer() });
const Nullable = <T extends ReturnType<typeof Type.Integer> | ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const LogStreamObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('organization.log_stream'),
  name: Type.String(),
  status: StringEnum(['active', 'failing']),
  sink: Type.Record(Type.String(), Type.Unknown(), { description: 'The sink settings; secrets only in the creation (and rotation) answer.' }),
  records: Type.Array(StringEnum(RECORD_KINDS)),
  filters: Type.Object({ event_types: Type.Optional(Type.Array(Type.String())), project_ids: Type.Optional(Type.Array(Type.String())) }),
  batch: Type.Object({ max_records: Type.Integer(), max_wait_ms: Type.Integer() }),
  cursor: Positions,
  head: Positions,
  lag: Type.Object({ records: Type.Integer(), seconds: Type.Integer() }),
  delivered: Type.Integer(),
  failed: Type.Integer(),
  retried: Type.Integer(),
  attempts: Type.Integer(),
  last_error: Nullable(Type.String()),
  last_error_at: Nullable(Type.Integer()),
  last_delivered_at: Nullable(Type.Integer()),
  created_at: Type.Integer(),
});

export const LogStreamList = Type.Object({ object: Type.Literal('list'), data: Type.Array(LogStreamObject) });
export const LogStreamDeleted = Type.Object({ id: Type.String(), object: Type.Literal('organization.log_stream.deleted'), deleted: Type.Boolean() });
