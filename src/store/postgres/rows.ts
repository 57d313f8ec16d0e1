/** PostgreSQL row shapes and the one place each maps to and from its domain type. */
import type { StoredAuditEvent } from '../../features/audit-logs/types.js';
import type { AdminKeyRecord, KeyOwner, Organization, Scope } from '../../features/keys/types.js';

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
  tenant: boolean;
  project_id: string | null;
  actor_email: string | null;
  resource_id: string | null;
  content_hash: string;
  ingested_at: number;
  body: string;
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

/** Parameters of the key insert, in column order. */
export const keyValues = (k: AdminKeyRecord): unknown[] => [
  k.orgId,
  k.id,
  k.name,
  k.secretHash,
  k.redactedValue,
  k.createdAt,
  k.expiresAt,
  k.lastUsedAt,
  k.revokedAt,
  JSON.stringify(k.scopes),
  JSON.stringify(k.owner),
];

export const eventFromRow = (r: AuditEventRow): StoredAuditEvent => ({
  orgId: r.org_id,
  seq: r.seq,
  id: r.id,
  effectiveAt: r.effective_at,
  type: r.type,
  tenant: r.tenant,
  projectId: r.project_id,
  actorEmail: r.actor_email,
  actorIds: [],
  resourceId: r.resource_id,
  contentHash: r.content_hash,
  body: r.body,
  ingestedAt: r.ingested_at,
});

/** An insert batch as one array per column: bound to unnest(), so one statement writes any number of rows. */
export function eventColumns(events: StoredAuditEvent[]): unknown[] {
  const cols: unknown[][] = Array.from({ length: 12 }, () => []);
  const actors: unknown[][] = [[], [], [], []];
  for (const e of events) {
    const row = [e.orgId, e.seq, e.id, e.effectiveAt, e.type, e.tenant, e.projectId, e.actorEmail, e.resourceId, e.contentHash, e.ingestedAt, e.body];
    row.forEach((v, i) => {
      (cols[i] as unknown[]).push(v);
    });
    for (const actorId of new Set(e.actorIds)) {
      (actors[0] as unknown[]).push(e.orgId);
      (actors[1] as unknown[]).push(actorId);
      (actors[2] as unknown[]).push(e.effectiveAt);
      (actors[3] as unknown[]).push(e.seq);
    }
  }
  return [...cols, ...actors];
}
