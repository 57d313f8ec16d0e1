/**
 * The ingest schema of one usage record of each kind, built from the kinds registry: optional `id`
 * and `created_at`, the kind's dimensions, its measures as non-negative integers. Unknown members are
 * rejected so a typo in a measure name is a 400, not silently lost usage.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import type { ValidateFunction } from 'ajv';
import { StringEnum } from '../../lib/string-enum.js';
import { compile } from '../../lib/validator.js';
import { CLIENT_ID_PATTERN, UnixSeconds } from '../audit-logs/schemas.js';
import { type Dimension, type UsageKind, type UsageKindName, usageKinds } from './kinds.js';

/**
 * The largest measure one record may carry (a trillion tokens, bytes, requests...): rollups sum
 * records into bigint cells, and millions of records at the bound still fit in both engines.
 */
export const MAX_MEASURE = 1_000_000_000_000;
/** The largest amount, in USD, of one cost entry or of one line item priced from a usage record: nano-USD stays a safe integer, and thousands at the bound still sum into a bigint cell. */
export const MAX_COST_USD = 1_000_000;
export const MAX_COST_NANO = MAX_COST_USD * 1e9;

const Count = Type.Integer({ minimum: 0, maximum: MAX_MEASURE });
const Text = Type.String({ minLength: 1, maxLength: 256 });

function dimensionSchema(kind: UsageKind, d: Dimension): TSchema {
  if (d === 'batch') return Type.Union([Type.Boolean(), Type.Null()]);
  const values = kind.filters.find((f) => f.dimension === d)?.values ?? kind.dimensionValues[d];
  return Type.Union([values ? StringEnum(values) : Text, Type.Null()]);
}

export function usageRecordSchema(kind: UsageKind) {
  const props: Record<string, TSchema> = {
    id: Type.Optional(Type.String({ pattern: CLIENT_ID_PATTERN, description: 'Client-chosen id: an idempotency key.' })),
    created_at: Type.Optional(UnixSeconds),
  };
  for (const d of kind.dimensions) props[d] = Type.Optional(dimensionSchema(kind, d));
  // An orgledger extension on every kind (migration 9): stored on the raw record, filterable with
  // `providers`, never a result field (the spec has none).
  props.provider = Type.Optional(
    Type.Union([Text, Type.Null()], { description: 'Who served the request (`openai`, `anthropic`, `gcp.gemini`...): orgledger extension.' }),
  );
  for (const m of kind.measures) props[m] = kind.requiredMeasures.includes(m) && m !== 'num_model_requests' ? Count : Type.Optional(Count);
  return Type.Object(props, { additionalProperties: false, title: `${kind.name} usage record` });
}

export const MAX_RECORDS_PER_BATCH = 10_000;

export function ingestUsageBodySchema(kind: UsageKind) {
  return Type.Object({ data: Type.Array(usageRecordSchema(kind), { minItems: 1, maxItems: MAX_RECORDS_PER_BATCH }) });
}

export const IngestUsageResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      created_at: Type.Integer(),
      leaf_index: Type.Integer({ minimum: 0, description: "The record's leaf in the organization's `usage` ledger log; a replay answers the original's." }),
    }),
  ),
  warnings: Type.Optional(
    Type.Array(
      Type.Object({
        code: Type.Literal('unpriced_model'),
        message: Type.String(),
        model: Type.Union([Type.String(), Type.Null()]),
        tier: Type.String(),
        records: Type.Integer(),
      }),
    ),
  ),
});

let validators: Map<UsageKindName, ValidateFunction> | undefined;

export function recordValidator(kind: UsageKindName): ValidateFunction {
  validators ??= new Map([...usageKinds().values()].map((k) => [k.name, compile(usageRecordSchema(k))]));
  return validators.get(kind) as ValidateFunction;
}
