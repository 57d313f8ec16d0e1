/** Log streams and the usage journal on PostgreSQL: reads on the pool, writes on the group commit's client. */
import type pg from 'pg';
import type { LogStreamReads, LogStreamWrites } from '../../features/log-streams/store.js';
import type { DeliveryFailure, DeliveryProgress, LogStream, SinkConfig, StreamHeads, StreamOldest, StreamRecord } from '../../features/log-streams/types.js';
import {
  type AuditStreamRow,
  auditRecord,
  deliveredValues,
  failedValues,
  type LogStreamRow,
  pgPlaceholders,
  STREAM_SQL,
  streamFromRow,
  streamValues,
  usageRecord,
} from '../log-stream-sql.js';
import type { ReadRows } from './rows.js';

const SQL = Object.fromEntries(Object.entries(STREAM_SQL).map(([k, v]) => [k, pgPlaceholders(v)])) as Record<keyof typeof STREAM_SQL, string>;

// usage_record_ids gives created_at, so the partitioned usage_records is read by its primary key.
const USAGE_AFTER = `SELECT j.seq AS journal_seq, r.* FROM usage_journal j
  JOIN usage_record_ids i ON i.org_id = j.org_id AND i.kind = j.kind AND i.id = j.id
  JOIN usage_records r ON r.org_id = i.org_id AND r.kind = i.kind AND r.created_at = i.created_at AND r.id = i.id
  WHERE j.org_id = $1 AND j.seq > $2 ORDER BY j.seq LIMIT $3`;

export class PgLogStreamReads implements LogStreamReads {
  constructor(private readonly rows: ReadRows) {}

  async listLogStreams(orgId: string): Promise<LogStream[]> {
    return (await this.rows<LogStreamRow>('log_streams_list', SQL.list, [orgId])).map(streamFromRow);
  }
  async getLogStream(orgId: string, id: string): Promise<LogStream | null> {
    const [row] = await this.rows<LogStreamRow>('log_streams_get', SQL.get, [orgId, id]);
    return row ? streamFromRow(row) : null;
  }
  async listAllLogStreams(): Promise<LogStream[]> {
    return (await this.rows<LogStreamRow>('log_streams_all', SQL.listAll, [])).map(streamFromRow);
  }
  async readAuditAfter(orgId: string, seq: number, limit: number): Promise<StreamRecord[]> {
    // audit_event_ids is unpartitioned and unique on (org_id, seq): it finds the partition keys.
    const text = `SELECT e.seq, e.id, e.type, e.project_id, e.effective_at, e.body FROM audit_event_ids i
      JOIN audit_events e ON e.org_id = i.org_id AND e.effective_at = i.effective_at AND e.seq = i.seq
      WHERE i.org_id = $1 AND i.seq > $2 ORDER BY i.seq LIMIT $3`;
    return (await this.rows<AuditStreamRow>('log_streams_audit_after', text, [orgId, seq, limit])).map(auditRecord);
  }
  async readUsageAfter(orgId: string, seq: number, limit: number): Promise<StreamRecord[]> {
    return (await this.rows<Record<string, unknown>>('log_streams_usage_after', USAGE_AFTER, [orgId, seq, limit])).map(usageRecord);
  }
  async streamHeads(orgId: string): Promise<StreamHeads> {
    const audit = await this.one('log_streams_audit_head', 'SELECT coalesce(max(seq), 0) AS seq FROM audit_event_ids WHERE org_id = $1', orgId);
    return { audit, usage: await this.one('log_streams_usage_head', SQL.usageHead, orgId) };
  }
  async oldestAfter(orgId: string, cursors: StreamHeads): Promise<StreamOldest> {
    // audit_event_ids finds the partition keys of the first event after the cursor, as in readAuditAfter.
    const audit = `SELECT e.ingested_at FROM audit_event_ids i
      JOIN audit_events e ON e.org_id = i.org_id AND e.effective_at = i.effective_at AND e.seq = i.seq
      WHERE i.org_id = $1 AND i.seq > $2 ORDER BY i.seq LIMIT 1`;
    const at = async (name: string, text: string, seq: number) => {
      const [row] = await this.rows<{ ingested_at: string | number }>(name, text, [orgId, seq]);
      return row ? Number(row.ingested_at) : null;
    };
    return {
      audit: await at('log_streams_audit_oldest', audit, cursors.audit),
      usage: await at('log_streams_usage_oldest', SQL.usageOldestAfter, cursors.usage),
    };
  }
  async positionsBefore(orgId: string, time: number): Promise<StreamHeads> {
    return {
      audit: await this.one('log_streams_audit_before', SQL.auditBefore, orgId, time),
      usage: await this.one('log_streams_usage_before', SQL.usageBefore, orgId, time),
    };
  }
  private async one(name: string, text: string, ...values: unknown[]): Promise<number> {
    const [row] = await this.rows<{ seq: number }>(name, text, values);
    return Number(row?.seq ?? 0);
  }
}

export class PgLogStreamWrites implements LogStreamWrites {
  constructor(private readonly client: pg.PoolClient) {}

  private async run(text: string, values: unknown[]): Promise<number> {
    return (await this.client.query(text, values)).rowCount ?? 0;
  }
  async insertLogStream(stream: LogStream): Promise<void> {
    await this.run(SQL.insert, streamValues(stream));
  }
  async deleteLogStream(orgId: string, id: string): Promise<boolean> {
    return (await this.run(SQL.delete, [orgId, id])) > 0;
  }
  async updateLogStreamSink(orgId: string, id: string, sink: SinkConfig): Promise<boolean> {
    return (await this.run(SQL.updateSink, [JSON.stringify(sink), orgId, id])) > 0;
  }
  async setLogStreamCursors(orgId: string, id: string, c: StreamHeads): Promise<boolean> {
    return (await this.run(SQL.setCursors, [c.audit, c.usage, orgId, id])) > 0;
  }
  async claimLogStreamLease(orgId: string, id: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return (await this.run(SQL.claim, [owner, nowMs + ttlMs, orgId, id, owner, nowMs])) > 0;
  }
  async releaseLogStreamLease(orgId: string, id: string, owner: string): Promise<void> {
    await this.run(SQL.release, [orgId, id, owner]);
  }
  async recordLogStreamDelivery(orgId: string, id: string, owner: string, p: DeliveryProgress): Promise<boolean> {
    return (await this.run(SQL.delivered, deliveredValues(orgId, id, owner, p))) > 0;
  }
  async recordLogStreamFailure(orgId: string, id: string, owner: string, f: DeliveryFailure): Promise<void> {
    await this.run(SQL.failed, failedValues(orgId, id, owner, f));
  }
}

/**
 * Numbers the usage records just inserted in the usage journal. The counter row stays locked until
 * the batch commits, so within an organization journal numbers commit in order.
 */
export async function journalUsage(client: pg.PoolClient, orgId: string, kind: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await client.query<{ seq: string | number }>({ name: 'orgledger_tx_journal_alloc', text: SQL.journalAlloc, values: [orgId, ids.length] });
  const last = Number(rows[0]?.seq);
  await client.query({
    name: 'orgledger_tx_journal_insert',
    text: `INSERT INTO usage_journal (org_id, seq, kind, id)
           SELECT $1, $2::bigint + n, $3, id FROM unnest($4::text[]) WITH ORDINALITY AS t(id, n)`,
    values: [orgId, last - ids.length, kind, ids],
  });
}
