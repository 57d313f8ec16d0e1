/** Domain types of audit events. The wire shape is the spec's AuditLog; see schemas.ts. */

/** An event as it is stored: the wire JSON plus the columns lists filter and order on. */
export interface StoredAuditEvent {
  orgId: string;
  /** Dense per-organization append position, assigned at commit. */
  seq: number;
  id: string;
  effectiveAt: number;
  type: string;
  tenant: boolean;
  projectId: string | null;
  actorEmail: string | null;
  /** Every id the actor can be found by: user, service account and API key ids. */
  actorIds: string[];
  resourceId: string | null;
  /** sha256 of the client's event as sent (canonical JSON): the idempotency comparison. */
  contentHash: string;
  /** The AuditLog wire object as JSON text. */
  body: string;
  ingestedAt: number;
  /** The admin key that ingested it and the request's id; absent for events orgledger recorded itself. */
  ingestedBy?: string | null;
  requestId?: string | null;
}

/**
 * An event as lists and the live tail read it back: the row without what only the write path holds
 * (actor ids live in their own table, for filtering; provenance is read by export).
 */
export type ListedAuditEvent = Omit<StoredAuditEvent, 'actorIds' | 'ingestedBy' | 'requestId'>;

/** Who put an event in the store: the ingesting admin key and request (null when orgledger wrote it itself), and when. */
export interface AuditProvenance {
  ingestedAt: number;
  ingestedBy: string | null;
  requestId: string | null;
}

/** Where an event stands in list order: newest first by (effective_at, seq). */
export interface AuditPosition {
  effectiveAt: number;
  seq: number;
}

export interface TimeRange {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

export interface AuditListQuery {
  orgId: string;
  tenantOnly: boolean;
  types?: string[];
  projectIds?: string[];
  actorIds?: string[];
  actorEmails?: string[];
  resourceIds?: string[];
  effectiveAt: TimeRange;
  /** Exclusive bounds: older than `olderThan`, newer than `newerThan`. */
  olderThan?: AuditPosition;
  newerThan?: AuditPosition;
  /** 'desc' walks to older events (default and `after`); 'asc' walks to newer ones (`before` alone). */
  direction: 'desc' | 'asc';
  fetch: number;
}

/** Counts of events per type and period: the periods are `width` seconds long from `start`, up to `end` (exclusive). */
export interface AuditCountQuery {
  orgId: string;
  types: string[];
  start: number;
  end: number;
  width: number;
}
