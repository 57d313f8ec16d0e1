/** Domain types of log streams: where an organization's records are pushed, and how far each stream got. */

export const SINK_TYPES = ['webhook', 'splunk_hec', 'elasticsearch', 'syslog', 's3'] as const;
export type SinkType = (typeof SINK_TYPES)[number];
export const RECORD_KINDS = ['audit', 'usage'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/** A sink's settings as stored, secrets included (they are needed to deliver; never returned after creation). */
export interface SinkConfig {
  type: SinkType;
  [field: string]: unknown;
}

export interface StreamFilters {
  eventTypes?: string[];
  projectIds?: string[];
}

export type StreamStatus = 'active' | 'failing';

export interface LogStream {
  orgId: string;
  id: string;
  name: string;
  sink: SinkConfig;
  records: RecordKind[];
  filters: StreamFilters;
  maxRecords: number;
  maxWaitMs: number;
  createdAt: number;
  /** The last audit sequence number / usage journal number the receiver acknowledged. */
  auditCursor: number;
  usageCursor: number;
  delivered: number;
  failed: number;
  retried: number;
  /** Consecutive failed attempts of the batch at the cursor (0 after a success). */
  attempts: number;
  status: StreamStatus;
  lastError: string | null;
  lastErrorAt: number | null;
  lastDeliveredAt: number | null;
  /** Which process delivers the stream, until when (Unix milliseconds). */
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}

/** One record a stream carries, in the order it was stored for its organization. */
export interface StreamRecord {
  kind: RecordKind;
  /** audit: the event's sequence number; usage: the usage journal number. */
  seq: number;
  id: string;
  /** audit: the event type; usage: `usage.<kind>`. */
  type: string;
  projectId: string | null;
  /** Unix seconds: the event's effective_at / the usage record's created_at. */
  time: number;
  /** The wire object (the audit log as the list endpoint answers it; the usage record's fields). */
  body: Record<string, unknown>;
  /** `body` as JSON text when the store holds it so (audit events): a sink sending it whole need not serialise it again. */
  json?: string;
}

/** How far a stream's organization has stored, per record kind (the lag's far end). */
export interface StreamHeads {
  audit: number;
  usage: number;
}

/** Per record kind: the ingestion time (Unix seconds) of the oldest record not yet delivered, null when none waits. */
export interface StreamOldest {
  audit: number | null;
  usage: number | null;
}

/** What a successful delivery writes: the new cursors and counts. */
export interface DeliveryProgress {
  auditCursor: number;
  usageCursor: number;
  delivered: number;
  nowSeconds: number;
}

export interface DeliveryFailure {
  error: string;
  retried: number;
  failed: number;
  attempts: number;
  status: StreamStatus;
  nowSeconds: number;
}
