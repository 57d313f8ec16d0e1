/** The live tail's part of the store port: the organization's audit events in append (sequence) order. */
import type { ListedAuditEvent } from '../audit-logs/types.js';

export interface LiveTailReads {
  /** Events of the organization with seq > afterSeq, by seq ascending, at most `limit` (actorIds left empty). */
  auditEventsAfter(orgId: string, afterSeq: number, limit: number): Promise<ListedAuditEvent[]>;
  /** The highest sequence committed in the organization (0 when it has none). */
  auditHeadSeq(orgId: string): Promise<number>;
}

export interface LiveTailStore {
  readonly liveTail: LiveTailReads;
}
