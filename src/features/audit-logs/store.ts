/** The audit log's part of the store: what its service reads and writes. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { AuditCountQuery, AuditListQuery, AuditPosition, AuditProvenance, ListedAuditEvent, StoredAuditEvent } from './types.js';

export interface AuditReads {
  findAuditPosition(orgId: string, id: string): Promise<AuditPosition | null>;
  /** Events in list order for the query's direction; at most query.fetch rows. */
  listAuditEvents(query: AuditListQuery): Promise<ListedAuditEvent[]>;
  /** Events of these types with start <= effective_at < end, per type and period ((effective_at - start) / width, floored); non-zero counts only. */
  /** The provenance of each of these ids stored in the organization (ids of other organizations are absent). */
  findAuditProvenance(orgId: string, ids: string[]): Promise<Map<string, AuditProvenance>>;
  countAuditEvents(query: AuditCountQuery): Promise<{ type: string; bucket: number; count: number }[]>;
}

export interface AuditWrites {
  /** The content hash and time of each of these ids already stored in the organization. */
  findAuditEventHashes(orgId: string, ids: string[]): Promise<Map<string, { contentHash: string; effectiveAt: number; seq: number }>>;
  /** Reserves `count` sequence numbers for the organization; returns the first. Dense: rolled back with the write. */
  allocateAuditSeq(orgId: string, count: number): Promise<number>;
  insertAuditEvents(events: StoredAuditEvent[]): Promise<void>;
}

/** The store the audit log service needs. */
export interface AuditStore extends Writer<{ audit: AuditWrites }> {
  readonly audit: AuditReads;
}
