/**
 * Log streams' SQL and row mapping, shared by both engines: the statements are written with `?`
 * placeholders (PostgreSQL numbers them with pgPlaceholders) and use only syntax both engines accept.
 */
import type { DeliveryFailure, DeliveryProgress, LogStream, StreamRecord } from '../features/log-streams/types.js';

export interface LogStreamRow {
  org_id: string;
  id: string;
  name: string;
  sink: string;
  records: string;
  filters: string;
  max_records: number;
  max_wait_ms: number;
  created_at: number;
  audit_cursor: number;
  usage_cursor: number;
  delivered: number;
  failed: number;
  retried: number;
  attempts: number;
  status: string;
  last_error: string | null;
  last_error_at: number | null;
  last_delivered_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
}

export const LOG_STREAM_COLUMNS = [
  'org_id',
  'id',
  'name',
  'sink',
  'records',
  'filters',
  'max_records',
  'max_wait_ms',
  'created_at',
  'audit_cursor',
  'usage_cursor',
] as const;

export const streamValues = (s: LogStream): unknown[] => [
  s.orgId,
  s.id,
  s.name,
  JSON.stringify(s.sink),
  JSON.stringify(s.records),
  JSON.stringify(s.filters),
  s.maxRecords,
  s.maxWaitMs,
  s.createdAt,
  s.auditCursor,
  s.usageCursor,
];

export const streamFromRow = (r: LogStreamRow): LogStream => ({
  orgId: r.org_id,
  id: r.id,
  name: r.name,
  sink: JSON.parse(r.sink),
  records: JSON.parse(r.records),
  filters: JSON.parse(r.filters),
  maxRecords: Number(r.max_records),
  maxWaitMs: Number(r.max_wait_ms),
  createdAt: Number(r.created_at),
  auditCursor: Number(r.audit_cursor),
  usageCursor: Number(r.usage_cursor),
  delivered: Number(r.delivered),
  failed: Number(r.failed),
  retried: Number(r.retried),
  attempts: Number(r.attempts),
  status: r.status === 'failing' ? 'failing' : 'active',
  lastError: r.last_error,
  lastErrorAt: r.last_error_at === null ? null : Number(r.last_error_at),
  lastDeliveredAt: r.last_delivered_at === null ? null : Number(r.last_delivered_at),
  leaseOwner: r.lease_owner,
  leaseExpiresAt: r.lease_expires_at === null ? null : Number(r.lease_expires_at),
});

export const STREAM_SQL = {
  insert: `INSERT INTO log_streams (${LOG_STREAM_COLUMNS.join(', ')}) VALUES (${LOG_STREAM_COLUMNS.map(() => '?').join(', ')})`,
  list: 'SELECT * FROM log_streams WHERE org_id = ? ORDER BY created_at, id',
  listAll: 'SELECT * FROM log_streams ORDER BY org_id, id',
  get: 'SELECT * FROM log_streams WHERE org_id = ? AND id = ?',
  delete: 'DELETE FROM log_streams WHERE org_id = ? AND id = ?',
  updateSink: 'UPDATE log_streams SET sink = ? WHERE org_id = ? AND id = ?',
  setCursors: "UPDATE log_streams SET audit_cursor = ?, usage_cursor = ?, attempts = 0, status = 'active', last_error = NULL WHERE org_id = ? AND id = ?",
  claim: `UPDATE log_streams SET lease_owner = ?, lease_expires_at = ?
          WHERE org_id = ? AND id = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_expires_at < ?)`,
  release: 'UPDATE log_streams SET lease_owner = NULL, lease_expires_at = NULL WHERE org_id = ? AND id = ? AND lease_owner = ?',
  delivered: `UPDATE log_streams SET audit_cursor = ?, usage_cursor = ?, delivered = delivered + ?, attempts = 0, status = 'active',
                last_delivered_at = ? WHERE org_id = ? AND id = ? AND lease_owner = ?`,
  failed: `UPDATE log_streams SET retried = retried + ?, failed = failed + ?, attempts = ?, status = ?, last_error = ?, last_error_at = ?
             WHERE org_id = ? AND id = ? AND lease_owner = ?`,
  auditAfter: `SELECT seq, id, type, project_id, effective_at, body FROM audit_events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  auditHead: 'SELECT coalesce(max(seq), 0) AS seq FROM audit_events WHERE org_id = ?',
  usageHead: 'SELECT coalesce(max(seq), 0) AS seq FROM usage_journal WHERE org_id = ?',
  auditBefore: 'SELECT coalesce(max(seq), 0) AS seq FROM audit_events WHERE org_id = ? AND ingested_at < ?',
  usageBefore: 'SELECT coalesce(max(seq), 0) AS seq FROM usage_journal WHERE org_id = ? AND ingested_at < ?',
  /** The ingestion time of the first record after a cursor: what the lag in seconds is measured from. */
  auditOldestAfter: 'SELECT ingested_at FROM audit_events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT 1',
  usageOldestAfter: 'SELECT ingested_at FROM usage_journal WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT 1',
  /** Takes `n` journal numbers for the organization; returns the last one taken. */
  journalAlloc: `INSERT INTO usage_journal_heads (org_id, seq) VALUES (?, ?)
                 ON CONFLICT (org_id) DO UPDATE SET seq = usage_journal_heads.seq + excluded.seq RETURNING seq`,
} as const;

export const deliveredValues = (orgId: string, id: string, owner: string, p: DeliveryProgress): unknown[] => [
  p.auditCursor,
  p.usageCursor,
  p.delivered,
  p.nowSeconds,
  orgId,
  id,
  owner,
];

export const failedValues = (orgId: string, id: string, owner: string, f: DeliveryFailure): unknown[] => [
  f.retried,
  f.failed,
  f.attempts,
  f.status,
  f.error.slice(0, 2000),
  f.nowSeconds,
  orgId,
  id,
  owner,
];

export interface AuditStreamRow {
  seq: number;
  id: string;
  type: string;
  project_id: string | null;
  effective_at: number;
  body: string;
}

/** The stored JSON text is kept as `json` and parsed into `body` only when a sink asks (the webhook sends the text). */
export const auditRecord = (r: AuditStreamRow): StreamRecord => {
  let body: Record<string, unknown> | undefined;
  return {
    kind: 'audit',
    seq: Number(r.seq),
    id: r.id,
    type: r.type,
    projectId: r.project_id,
    time: Number(r.effective_at),
    json: r.body,
    get body() {
      body ??= JSON.parse(r.body) as Record<string, unknown>;
      return body;
    },
  };
};

/** A usage row joined to its journal number: every non-null column except the store's own bookkeeping. */
export function usageRecord(r: Record<string, unknown>): StreamRecord {
  const body: Record<string, unknown> = { object: 'organization.usage.record' };
  for (const [k, v] of Object.entries(r)) {
    if (v === null || k === 'org_id' || k === 'journal_seq' || k === 'content_hash' || k === 'price_id') continue;
    body[k] = typeof v === 'bigint' ? Number(v) : v;
  }
  return {
    kind: 'usage',
    seq: Number(r.journal_seq),
    id: String(r.id),
    type: `usage.${String(r.kind)}`,
    projectId: (r.project_id as string | null) ?? null,
    time: Number(r.created_at),
    body,
  };
}

/** `?` placeholders numbered for PostgreSQL ($1, $2, ...). */
export function pgPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
