/**
 * Row shapes both engines share (column names are the same in SQLite and PostgreSQL) and the one
 * place each maps to and from its domain type. Engine-specific encodings stay in sqlite/ and postgres/.
 */
import type { ListedAuditEvent, StoredAuditEvent } from '../features/audit-logs/types.js';
import type { CostEntry, CostGroupRow, CostSegmentQuery } from '../features/costs/types.js';
import type { AdminKeyRecord, KeyOwner, Organization, Scope } from '../features/keys/types.js';
import type { LogName } from '../features/ledger/leaf-data.js';
import type { RetentionPolicy, StoredCheckpoint, StoredPrune } from '../features/ledger/store.js';
import { ALL_DIMENSIONS, ALL_MEASURES } from '../features/usage/kinds.js';
import type { CostLine, UnpricedUsage } from '../features/usage/types.js';

export interface OrganizationRow {
  id: string;
  name: string;
  created_at: number;
  audit_seq: number;
}

export interface AdminKeyRow {
  org_id: string;
  id: string;
  name: string | null;
  secret_hash: string;
  redacted_value: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  scopes: string;
  owner: string;
}

export interface AuditEventRow {
  org_id: string;
  seq: number;
  id: string;
  effective_at: number;
  type: string;
  /** SQLite stores 0/1, PostgreSQL a boolean. */
  tenant: number | boolean;
  project_id: string | null;
  actor_email: string | null;
  resource_id: string | null;
  content_hash: string;
  ingested_at: number;
  body: string;
  ingested_by?: string | null;
  request_id?: string | null;
}

export const orgFromRow = (r: OrganizationRow): Organization => ({ id: r.id, name: r.name, createdAt: r.created_at });

export const keyFromRow = (r: AdminKeyRow): AdminKeyRecord => ({
  orgId: r.org_id,
  id: r.id,
  name: r.name,
  secretHash: r.secret_hash,
  redactedValue: r.redacted_value,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  scopes: JSON.parse(r.scopes) as Scope[],
  owner: JSON.parse(r.owner) as KeyOwner,
});

export const keyToRow = (k: AdminKeyRecord): AdminKeyRow => ({
  org_id: k.orgId,
  id: k.id,
  name: k.name,
  secret_hash: k.secretHash,
  redacted_value: k.redactedValue,
  created_at: k.createdAt,
  expires_at: k.expiresAt,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
  scopes: JSON.stringify(k.scopes),
  owner: JSON.stringify(k.owner),
});

/** audit_events columns in the order both engines insert them (and `orgledger copy` moves them). */
export const AUDIT_EVENT_COLUMNS = [
  'org_id',
  'seq',
  'id',
  'effective_at',
  'type',
  'tenant',
  'project_id',
  'actor_email',
  'resource_id',
  'content_hash',
  'ingested_at',
  'body',
  'ingested_by',
  'request_id',
] as const;

/** An event's values in AUDIT_EVENT_COLUMNS order; `tenant` as the engine binds it (SQLite 0/1). */
export const auditEventValues = <T>(e: StoredAuditEvent, tenant: T): (string | number | null | T)[] => [
  e.orgId,
  e.seq,
  e.id,
  e.effectiveAt,
  e.type,
  tenant,
  e.projectId,
  e.actorEmail,
  e.resourceId,
  e.contentHash,
  e.ingestedAt,
  e.body,
  e.ingestedBy ?? null,
  e.requestId ?? null,
];

export const eventFromRow = (r: AuditEventRow): ListedAuditEvent => ({
  orgId: r.org_id,
  seq: r.seq,
  id: r.id,
  effectiveAt: r.effective_at,
  type: r.type,
  tenant: r.tenant === true || r.tenant === 1,
  projectId: r.project_id,
  actorEmail: r.actor_email,
  resourceId: r.resource_id,
  contentHash: r.content_hash,
  body: r.body,
  ingestedAt: r.ingested_at,
});

/** A cost query's result row (either engine; PostgreSQL returns bigint sums as strings, hence Number). */
export function costGroupFromRow(row: Record<string, unknown>, groupBy: CostSegmentQuery['groupBy']): CostGroupRow {
  const out: CostGroupRow = {
    bucketStart: Number(row.b),
    amountNano: Number(row.amount_nano),
    quantity: Number(row.quantity),
    quantityUnit: (row.quantity_unit as string | null) ?? null,
  };
  if (groupBy.includes('project_id')) out.projectId = row.project_id === '' ? null : (row.project_id as string);
  if (groupBy.includes('api_key_id')) out.apiKeyId = row.api_key_id === '' ? null : (row.api_key_id as string);
  if (groupBy.includes('line_item')) out.lineItem = row.line_item as string;
  if (groupBy.includes('user_id')) out.userId = row.user_id === '' ? null : (row.user_id as string);
  if (groupBy.includes('api_source')) out.apiSource = row.api_source as string;
  return out;
}

/** An unpriced_usage row (either engine). */
export const unpricedFromRow = (r: Record<string, unknown>): UnpricedUsage => ({
  kind: r.kind as UnpricedUsage['kind'],
  model: r.model as string,
  tier: r.tier as string,
  firstAt: Number(r.first_at),
  lastAt: Number(r.last_at),
  records: Number(r.records),
});

/** cost_entries columns in the order both engines insert them. */
export const COST_ENTRY_COLUMNS = [
  'org_id',
  'id',
  'created_at',
  'project_id',
  'api_key_id',
  'line_item',
  'amount_nano',
  'currency',
  'quantity',
  'quantity_unit',
  'content_hash',
];

/** A cost entry's values in COST_ENTRY_COLUMNS order. */
export const costEntryValues = (orgId: string, e: CostEntry): (string | number | null)[] => [
  orgId,
  e.id,
  e.createdAt,
  e.projectId,
  e.apiKeyId,
  e.lineItem,
  e.amountNano,
  e.currency,
  e.quantity,
  e.quantityUnit,
  e.contentHash,
];

/** Provenance columns of usage_records and cost_entries (migration 5), in the order both engines insert them; PostgreSQL types alike. */
export const PROVENANCE_COLUMNS = ['ingested_by', 'request_id', 'ingested_at'];
export const PROVENANCE_TYPES = ['text', 'text', 'bigint'];

/** usage_records columns in insert order (both engines bind each record's values in this order). */
export const USAGE_RECORD_COLUMNS = [
  'org_id',
  'kind',
  'created_at',
  'id',
  ...ALL_DIMENSIONS,
  ...ALL_MEASURES,
  'price_id',
  'content_hash',
  'provider',
  ...PROVENANCE_COLUMNS,
];
export const provenanceValues = (r: { ingestedBy?: string | null; requestId?: string | null; ingestedAt?: number | null }): (string | number | null)[] => [
  r.ingestedBy ?? null,
  r.requestId ?? null,
  r.ingestedAt ?? null,
];

/** The stored content hashes (and creation times) of ids an idempotent insert looked up. */
export interface HashRow {
  id: string;
  content_hash: string | null;
  created_at: number;
}
export const hashesOf = (rows: HashRow[]): Map<string, { contentHash: string | null; createdAt: number }> =>
  new Map(rows.map((r) => [r.id, { contentHash: r.content_hash, createdAt: r.created_at }]));

/** An explicit cost entry as the cost line it adds to the cost rollups (no price: it was given). */
export const costLineOfEntry = (e: CostEntry): CostLine => ({
  createdAt: e.createdAt,
  projectId: e.projectId,
  apiKeyId: e.apiKeyId,
  lineItem: e.lineItem,
  quantity: e.quantity ?? 0,
  quantityUnit: e.quantityUnit,
  amountNano: e.amountNano,
  priceId: null,
});

/** A ledger_checkpoints row (both engines name the columns alike). */
export const checkpointFromRow = (r: Record<string, unknown>): StoredCheckpoint => ({
  orgId: r.org_id as string,
  log: r.log as LogName,
  treeSize: Number(r.tree_size),
  rootHash: r.root_hash as string,
  signedAt: Number(r.signed_at),
  note: r.note as string,
});

export const retentionFromRow = (r: Record<string, unknown>): RetentionPolicy => ({
  orgId: r.org_id as string,
  log: r.log as LogName,
  seconds: Number(r.seconds),
  updatedAt: Number(r.updated_at),
});

export const pruneFromRow = (r: Record<string, unknown>): StoredPrune => ({
  orgId: r.org_id as string,
  log: r.log as LogName,
  prunedSize: Number(r.pruned_size),
  prunedAt: Number(r.pruned_at),
  note: r.note as string,
});

/** Usage records and cost entries that no usage-log leaf names (one engine-neutral statement; `org`: the organization's placeholder). */
export const UNLOGGED_USAGE_SQL = (org: string) => `SELECT r.id, 'usage_records ' || r.kind AS at FROM usage_records r WHERE r.org_id = ${org}
    AND NOT EXISTS (SELECT 1 FROM ledger_usage_leaves l WHERE l.org_id = r.org_id AND l.record_id = r.id AND l.kind = r.kind AND l.created_at = r.created_at)
  UNION ALL SELECT c.id, 'cost_entries' AS at FROM cost_entries c WHERE c.org_id = ${org}
    AND NOT EXISTS (SELECT 1 FROM ledger_usage_leaves l WHERE l.org_id = c.org_id AND l.record_id = c.id AND l.kind = 'cost')`;
