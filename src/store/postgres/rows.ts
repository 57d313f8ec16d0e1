/** PostgreSQL-specific encodings of rows (shared shapes and mappers live in ../rows.ts). */
import type pg from 'pg';
import type { StoredAuditEvent } from '../../features/audit-logs/types.js';
import type { AdminKeyRecord } from '../../features/keys/types.js';
import type { CopyValue } from './bulk-insert.js';

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

/** The actor index rows of a batch: one per distinct actor key of each event. */
export function* actorRows(events: StoredAuditEvent[]): Generator<CopyValue[]> {
  for (const e of events) for (const actorId of new Set(e.actorIds)) yield [e.orgId, actorId, e.effectiveAt, e.seq];
}

/** One read on any pooled connection; a named statement is prepared once per connection. */
export type ReadRows = <R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[]) => Promise<R[]>;
