/** Wire shapes of the ledger read API (TypeBox: route validation and the served OpenAPI document). */
import { type Static, Type } from '@sinclair/typebox';

const Size = Type.Integer({ minimum: 0, maximum: 9007199254740991 });

export const CheckpointQuery = Type.Object({ tree_size: Type.Optional(Size) });
export type CheckpointQuery = Static<typeof CheckpointQuery>;
export const InclusionQuery = Type.Object({ id: Type.String({ minLength: 1, maxLength: 512 }), tree_size: Type.Optional(Size) });
export type InclusionQuery = Static<typeof InclusionQuery>;
export const ConsistencyQuery = Type.Object({ first: Size, second: Size });
export type ConsistencyQuery = Static<typeof ConsistencyQuery>;

const Base64Hash = Type.String({ description: 'base64 of a SHA-256 hash' });

export const LedgerSummary = Type.Object({
  object: Type.Literal('ledger'),
  verifier_key: Type.String({ description: 'The note verifier key (golang.org/x/mod/sumdb/note form) checkpoints are signed with' }),
  logs: Type.Array(
    Type.Object({
      name: Type.Union([Type.Literal('audit'), Type.Literal('usage')]),
      origin: Type.String(),
      tree_size: Type.Integer({ description: "The latest checkpoint's tree size (0 before the first)" }),
      root_hash: Type.Union([Base64Hash, Type.Null()]),
      checkpoint_at: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
});

export const InclusionProof = Type.Object({
  leaf_index: Type.Integer(),
  tree_size: Type.Integer(),
  hashes: Type.Array(Base64Hash),
});

export const ConsistencyProof = Type.Object({
  first: Type.Integer(),
  second: Type.Integer(),
  hashes: Type.Array(Base64Hash),
});

const Seconds = Type.Integer({ minimum: 0, maximum: 3_155_760_000, description: 'How long record bodies are kept, in seconds; 0 keeps them for ever' });

export const RetentionUpdate = Type.Object({ audit_seconds: Type.Optional(Seconds), usage_seconds: Type.Optional(Seconds) }, { additionalProperties: false });
export type RetentionUpdate = Static<typeof RetentionUpdate>;

export const RetentionSummary = Type.Object({
  object: Type.Literal('ledger.retention'),
  logs: Type.Array(
    Type.Object({
      name: Type.Union([Type.Literal('audit'), Type.Literal('usage')]),
      retention_seconds: Type.Union([Type.Integer(), Type.Null()]),
      pruned_size: Type.Integer({ description: 'Leaves below this index were pruned by retention (their hashes stay)' }),
      pruned_at: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
});
