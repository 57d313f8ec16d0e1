/** TypeBox schemas of the costs extensions: explicit cost entries and the unpriced-usage list. */
import { Type } from '@sinclair/typebox';
import { compile } from '../../lib/validator.js';
import { CLIENT_ID_PATTERN, UnixSeconds } from '../audit-logs/schemas.js';
import { MAX_COST_USD } from '../usage/record-schema.js';

export const MAX_COST_ENTRIES = 10_000;

const NullableText = Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()]);

export const CostEntryInput = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: CLIENT_ID_PATTERN, description: 'Client-chosen id: an idempotency key.' })),
    created_at: Type.Optional(UnixSeconds),
    project_id: Type.Optional(NullableText),
    api_key_id: Type.Optional(NullableText),
    line_item: Type.String({ minLength: 1, maxLength: 512 }),
    amount: Type.Object(
      { value: Type.Number({ minimum: -MAX_COST_USD, maximum: MAX_COST_USD, description: 'USD; negative for credits' }), currency: Type.Literal('usd') },
      { additionalProperties: false },
    ),
    quantity: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Null()])),
    quantity_unit: Type.Optional(NullableText),
  },
  { additionalProperties: false },
);

export const validateCostEntry = compile(CostEntryInput);

export const IngestCostsBody = Type.Object({ data: Type.Array(CostEntryInput, { minItems: 1, maxItems: MAX_COST_ENTRIES }) });

export const IngestCostsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      created_at: Type.Integer(),
      leaf_index: Type.Integer({ minimum: 0, description: "The entry's leaf in the organization's `usage` ledger log; a replay answers the original's." }),
    }),
  ),
});

export const UnpricedUsageList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      object: Type.Literal('organization.costs.unpriced_usage'),
      kind: Type.String(),
      model: Type.Union([Type.String(), Type.Null()]),
      tier: Type.String(),
      first_at: Type.Integer(),
      last_at: Type.Integer(),
      records: Type.Integer(),
    }),
  ),
});
