/** TypeBox schemas of the usage and costs queries, per kind, built from the kinds registry. */
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { NOT_COMMA_SEPARATED } from '../../http/query-string.js';
import { StringEnum } from '../../lib/string-enum.js';
import type { UsageKind } from './kinds.js';

const StringList = Type.Array(Type.String({ minLength: 1 }));
const Time = Type.Integer({ minimum: 0, maximum: 253402300799 });

const common = {
  start_time: Time,
  end_time: Type.Optional(Time),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  page: Type.Optional(Type.String()),
};

/** orgledger's `providers` filter on every usage kind (migration 9; not in OpenAI's API, so never a group_by or result field). */
export const ProvidersFilter = Type.Array(Type.String({ minLength: 1 }), {
  description:
    "Only usage whose record names one of these providers (`openai`, `anthropic`, `gcp.gemini`...; OTLP's gen_ai.provider.name). Reads raw records. orgledger extension.",
});

/** The query after the query-string parser folded `x[]=`, `x=` and `x[0]=` into arrays. */
export function usageQuerySchema(kind: UsageKind) {
  const props: Record<string, TSchema> = {
    ...common,
    bucket_width: Type.Optional(StringEnum(['1m', '1h', '1d'], { default: '1d' })),
    group_by: Type.Optional(Type.Array(StringEnum(kind.groupBy))),
  };
  for (const f of kind.filters) {
    props[f.param] = Type.Optional(f.boolean ? Type.Boolean() : f.values ? Type.Array(StringEnum(f.values)) : StringList);
  }
  props.providers = Type.Optional(ProvidersFilter);
  return Type.Object(props);
}

export interface UsageQuery {
  start_time: number;
  end_time?: number;
  bucket_width?: '1m' | '1h' | '1d';
  limit?: number;
  page?: string;
  group_by?: string[];
  [filter: string]: unknown;
}

export const costsQuerySchema = Type.Object({
  ...common,
  bucket_width: Type.Optional(StringEnum(['1d'], { default: '1d' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 180 })),
  // user_id and api_source: openai SDK 7.57+ (src/spec/sdk-extensions.ts).
  group_by: Type.Optional(Type.Array(StringEnum(['project_id', 'line_item', 'api_key_id', 'user_id', 'api_source']))),
  project_ids: Type.Optional(StringList),
  api_key_ids: Type.Optional(StringList),
  /** SDK 7.57 extra: exact line-item strings, which hold commas ("gpt-4o, input_tokens"): never split. */
  line_items: Type.Optional(Type.Array(Type.String({ minLength: 1 }), NOT_COMMA_SEPARATED)),
});
export type CostsQuery = Static<typeof costsQuerySchema>;
