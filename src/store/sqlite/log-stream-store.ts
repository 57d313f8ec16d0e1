/** Log streams and the usage journal on SQLite: reads on the read-only connection, writes inside the group commit. */
import type Database from 'better-sqlite3';
import type { LogStreamReads, LogStreamWrites } from '../../features/log-streams/store.js';
import type { DeliveryFailure, DeliveryProgress, LogStream, SinkConfig, StreamHeads, StreamOldest, StreamRecord } from '../../features/log-streams/types.js';
import {
  type AuditStreamRow,
  auditRecord,
  deliveredValues,
  failedValues,
  type LogStreamRow,
  STREAM_SQL,
  streamFromRow,
  streamValues,
  usageRecord,
} from '../log-stream-sql.js';

type DB = Database.Database;

const USAGE_AFTER = `SELECT j.seq AS journal_seq, r.* FROM usage_journal j
  JOIN usage_records r ON r.org_id = j.org_id AND r.kind = j.kind AND r.id = j.id
  WHERE j.org_id = ? AND j.seq > ? ORDER BY j.seq LIMIT ?`;

export class SqliteLogStreamReads implements LogStreamReads {
  constructor(private readonly read: (sql: string) => Database.Statement) {}

  async listLogStreams(orgId: string): Promise<LogStream[]> {
    return (this.read(STREAM_SQL.list).all(orgId) as LogStreamRow[]).map(streamFromRow);
  }
  async getLogStream(orgId: string, id: string): Promise<LogStream | null> {
    const row = this.read(STREAM_SQL.get).get(orgId, id) as LogStreamRow | undefined;
    return row ? streamFromRow(row) : null;
  }
  async listAllLogStreams(): Promise<LogStream[]> {
    return (this.read(STREAM_SQL.listAll).all() as LogStreamRow[]).map(streamFromRow);
  }
  async readAuditAfter(orgId: string, seq: number, limit: number): Promise<StreamRecord[]> {
    return (this.read(STREAM_SQL.auditAfter).all(orgId, seq, limit) as AuditStreamRow[]).map(auditRecord);
  }
  async readUsageAfter(orgId: string, seq: number, limit: number): Promise<StreamRecord[]> {
    return (this.read(USAGE_AFTER).all(orgId, seq, limit) as Record<string, unknown>[]).map(usageRecord);
  }
  async streamHeads(orgId: string): Promise<StreamHeads> {
    return { audit: this.one(STREAM_SQL.auditHead, orgId), usage: this.one(STREAM_SQL.usageHead, orgId) };
  }
  async oldestAfter(orgId: string, cursors: StreamHeads): Promise<StreamOldest> {
    const at = (sql: string, seq: number) => {
      const row = this.read(sql).get(orgId, seq) as { ingested_at: number } | undefined;
      return row ? Number(row.ingested_at) : null;
    };
    return { audit: at(STREAM_SQL.auditOldestAfter, cursors.audit), usage: at(STREAM_SQL.usageOldestAfter, cursors.usage) };
  }
  async positionsBefore(orgId: string, time: number): Promise<StreamHeads> {
    return { audit: this.one(STREAM_SQL.auditBefore, orgId, time), usage: this.one(STREAM_SQL.usageBefore, orgId, time) };
  }
  private one(sql: string, ...params: unknown[]): number {
    return Number((this.read(sql).get(...params) as { seq: number }).seq);
  }
}

export class SqliteLogStreamWrites implements LogStreamWrites {
  private readonly s;
  constructor(db: DB) {
    this.s = {
      insert: db.prepare(STREAM_SQL.insert),
      delete: db.prepare(STREAM_SQL.delete),
      updateSink: db.prepare(STREAM_SQL.updateSink),
      setCursors: db.prepare(STREAM_SQL.setCursors),
      claim: db.prepare(STREAM_SQL.claim),
      release: db.prepare(STREAM_SQL.release),
      delivered: db.prepare(STREAM_SQL.delivered),
      failed: db.prepare(STREAM_SQL.failed),
    };
  }
  async insertLogStream(stream: LogStream): Promise<void> {
    this.s.insert.run(...streamValues(stream));
  }
  async deleteLogStream(orgId: string, id: string): Promise<boolean> {
    return this.s.delete.run(orgId, id).changes > 0;
  }
  async updateLogStreamSink(orgId: string, id: string, sink: SinkConfig): Promise<boolean> {
    return this.s.updateSink.run(JSON.stringify(sink), orgId, id).changes > 0;
  }
  async setLogStreamCursors(orgId: string, id: string, c: StreamHeads): Promise<boolean> {
    return this.s.setCursors.run(c.audit, c.usage, orgId, id).changes > 0;
  }
  async claimLogStreamLease(orgId: string, id: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.s.claim.run(owner, nowMs + ttlMs, orgId, id, owner, nowMs).changes > 0;
  }
  async releaseLogStreamLease(orgId: string, id: string, owner: string): Promise<void> {
    this.s.release.run(orgId, id, owner);
  }
  async recordLogStreamDelivery(orgId: string, id: string, owner: string, p: DeliveryProgress): Promise<boolean> {
    return this.s.delivered.run(...deliveredValues(orgId, id, owner, p)).changes > 0;
  }
  async recordLogStreamFailure(orgId: string, id: string, owner: string, f: DeliveryFailure): Promise<void> {
    this.s.failed.run(...failedValues(orgId, id, owner, f));
  }
}

/** Numbers the usage records just inserted in the usage journal (same transaction as the insert). */
export function usageJournaler(db: DB): (orgId: string, kind: string, ids: string[]) => void {
  const alloc = db.prepare(STREAM_SQL.journalAlloc);
  const insert = db.prepare('INSERT INTO usage_journal (org_id, seq, kind, id) VALUES (?, ?, ?, ?)');
  return (orgId, kind, ids) => {
    if (ids.length === 0) return;
    const last = Number((alloc.get(orgId, ids.length) as { seq: number }).seq);
    let seq = last - ids.length;
    for (const id of ids) insert.run(orgId, ++seq, kind, id);
  };
}
