/** The live tail's part of the store port: the organization's audit events in append (sequence) order. */
import type { ListedAuditEvent } from '../audit-logs/types.js';

/** What the live tail reads of an event: its filters' fields and the AuditLog JSON (the stored body). */
export type TailEvent = Pick<ListedAuditEvent, 'seq' | 'effectiveAt' | 'type' | 'tenant' | 'projectId' | 'actorEmail' | 'resourceId' | 'body'>;

export interface LiveTailReads {
  /** Events of the organization with seq > afterSeq, by seq ascending, at most `limit`. */
  auditEventsAfter(orgId: string, afterSeq: number, limit: number): Promise<TailEvent[]>;
  /** The highest sequence committed in the organization (0 when it has none). */
  auditHeadSeq(orgId: string): Promise<number>;
}

export interface LiveTailStore {
  readonly liveTail: LiveTailReads;
}
