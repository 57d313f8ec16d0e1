/** PostgreSQL-specific encodings of rows (shared shapes and mappers live in ../rows.ts). */
import type { StoredAuditEvent } from '../../features/audit-logs/types.js';
import type { AdminKeyRecord } from '../../features/keys/types.js';

export { type AdminKeyRow, type AuditEventRow, eventFromRow, keyFromRow, type OrganizationRow, orgFromRow } from '../rows.js';

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
