/**
 * The SQLite side of usage and costs. UsageWriter runs inside the group-commit transaction: records
 * go in with INSERT ... ON CONFLICT DO NOTHING, and only the rows it inserted (changes = 1) feed the
 * rollups and cost line items, so a replayed batch never counts twice. No RETURNING per row: inside
 * the group commit's savepoint it made every insert a statement transaction whose cost grew with the
 * file (bench: ~500 µs per record at 60k records, 10x the plain insert). UsageReader answers segment
 * queries on the read-only connection.
 */
import type Database from 'better-sqlite3';
import type { CostReads, CostWrites } from '../../features/costs/store.js';
import type { CostEntry, CostGroupRow, CostSegmentQuery } from '../../features/costs/types.js';
import { costEntryLeafData, usageLeafData } from '../../features/ledger/leaf-data.js';
import { ALL_DIMENSIONS, ALL_MEASURES, type Dimension, type Measure, usageKind } from '../../features/usage/kinds.js';
import type { UsageReads, UsageWrites } from '../../features/usage/store.js';
import type {
  CostLine,
  DimValues,
  MeasureValues,
  UnpricedUsage,
  UsageGroupRow,
  UsageInsert,
  UsageRecord,
  UsageSegmentQuery,
} from '../../features/usage/types.js';
import { costEntryValues, costGroupFromRow, costLineOfEntry, type HashRow, hashesOf, unpricedFromRow } from '../rows.js';
import { COST_ROLLUP_COLUMNS, COST_ROLLUP_KEY, costRollupDeltas, costRollupValues, usageRollupDeltas } from '../usage-rollup.js';
import { ledgerAppender } from './ledger-store.js';
import { usageJournaler } from './log-stream-store.js';
import { costSegmentSql, toRollupValue, usageSegmentSql } from './usage-sql.js';

type DB = Database.Database;

const RECORD_COLUMNS = ['org_id', 'kind', 'created_at', 'id', ...ALL_DIMENSIONS, ...ALL_MEASURES, 'price_id', 'content_hash', 'provider'];
const ROLLUP_KEY = ['org_id', 'kind', 'grain', 'cube', 'bucket', ...ALL_DIMENSIONS];
const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

// Sums add, keeping NULL when neither side has the measure; usage_bytes is a level: latest sample wins.
const measureUpdate = (m: Measure) =>
  m === 'usage_bytes'
    ? `usage_bytes = CASE WHEN usage_bytes IS NULL OR excluded.latest_at > latest_at OR (excluded.latest_at = latest_at AND excluded.usage_bytes > usage_bytes) THEN excluded.usage_bytes ELSE usage_bytes END`
    : `${m} = coalesce(${m} + excluded.${m}, ${m}, excluded.${m})`;

export class UsageWriter implements UsageWrites, CostWrites {
  private readonly s;
  private readonly recordValues: unknown[] = new Array(RECORD_COLUMNS.length).fill(null);
  private readonly rollupValues: unknown[] = new Array(ROLLUP_KEY.length + ALL_MEASURES.length + 1).fill(null);
  private readonly ledger;
  /** Gives inserted records their per-organization delivery order (log streams). */
  private readonly journal;
  constructor(db: DB) {
    this.ledger = ledgerAppender(db);
    this.journal = usageJournaler(db);
    this.s = {
      // INDEXED BY: otherwise SQLite walks the kind's records by primary key (org_id, kind) testing each id.
      usageHashes: db.prepare(
        'SELECT id, content_hash, created_at FROM usage_records INDEXED BY usage_records_id WHERE org_id = ? AND kind = ? AND id IN (SELECT value FROM json_each(?))',
      ),
      insertRecord: db.prepare(
        `INSERT INTO usage_records (${RECORD_COLUMNS.join(', ')}) VALUES (${placeholders(RECORD_COLUMNS.length)}) ON CONFLICT DO NOTHING`,
      ),
      upsertRollup: db.prepare(
        `INSERT INTO usage_rollups (${ROLLUP_KEY.join(', ')}, ${ALL_MEASURES.join(', ')}, latest_at)
         VALUES (${placeholders(ROLLUP_KEY.length + ALL_MEASURES.length + 1)})
         ON CONFLICT (${ROLLUP_KEY.join(', ')}) DO UPDATE SET ${ALL_MEASURES.map(measureUpdate).join(', ')}, latest_at = max(latest_at, excluded.latest_at)`,
      ),
      upsertCost: db.prepare(
        `INSERT INTO cost_rollups (${COST_ROLLUP_COLUMNS.join(', ')}) VALUES (${placeholders(COST_ROLLUP_COLUMNS.length)})
         ON CONFLICT (${COST_ROLLUP_KEY.join(', ')})
         DO UPDATE SET amount_nano = amount_nano + excluded.amount_nano, quantity = quantity + excluded.quantity`,
      ),
      unpriced: db.prepare(
        `INSERT INTO unpriced_usage (org_id, kind, model, tier, first_at, last_at, records) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (org_id, kind, model, tier) DO UPDATE SET first_at = min(first_at, excluded.first_at),
           last_at = max(last_at, excluded.last_at), records = records + excluded.records`,
      ),
      entryHashes: db.prepare('SELECT id, content_hash, created_at FROM cost_entries WHERE org_id = ? AND id IN (SELECT value FROM json_each(?))'),
      insertEntry: db.prepare(
        `INSERT INTO cost_entries (org_id, id, created_at, project_id, api_key_id, line_item, amount_nano, currency, quantity, quantity_unit, content_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
    };
  }

  async findUsageHashes(orgId: string, kind: string, ids: string[]): Promise<Map<string, { contentHash: string | null; createdAt: number }>> {
    return hashesOf(ids.length ? (this.s.usageHashes.all(orgId, kind, JSON.stringify(ids)) as HashRow[]) : []);
  }

  /** Inserts the new records, then rollups and cost items from exactly those; returns their ids. */
  async insertUsage(batch: UsageInsert): Promise<string[]> {
    const kind = usageKind(batch.kind);
    // One parameter array refilled per row (better-sqlite3 binds an array's elements): a fresh
    // 45-element array and its spread per record was a good part of the ingest's garbage.
    const values = this.recordValues;
    values[0] = batch.orgId;
    values[1] = batch.kind;
    const inserted: UsageRecord[] = [];
    for (const r of batch.records) {
      let at = 2;
      values[at++] = r.createdAt;
      values[at++] = r.id;
      for (const d of ALL_DIMENSIONS) {
        const v = r.dims[d];
        values[at++] = v === undefined || v === null ? null : typeof v === 'boolean' ? (v ? 1 : 0) : v;
      }
      for (const m of ALL_MEASURES) values[at++] = r.measures[m] ?? null;
      values[at++] = r.priceId;
      values[at++] = r.contentHash;
      values[at] = r.provider ?? null;
      if (this.s.insertRecord.run(values).changes === 1) inserted.push(r);
    }
    const ids = inserted.map((r) => r.id);
    this.journal(batch.orgId, batch.kind, ids);
    const rollup = this.rollupValues;
    rollup[0] = batch.orgId;
    rollup[1] = batch.kind;
    for (const d of usageRollupDeltas(kind, inserted)) {
      let at = 2;
      rollup[at++] = d.grain;
      rollup[at++] = d.cube;
      rollup[at++] = d.bucket;
      for (const dim of ALL_DIMENSIONS) rollup[at++] = toRollupValue(dim, d.dims[dim]);
      for (const m of ALL_MEASURES) rollup[at++] = d.measures[m] ?? null;
      rollup[at] = d.latestAt;
      this.s.upsertRollup.run(rollup);
    }
    this.insertCostLines(
      batch.orgId,
      inserted.flatMap((r) => r.costs),
    );
    this.ledger.usage(
      batch.orgId,
      inserted.map((r) => ({ kind: batch.kind, recordId: r.id, createdAt: r.createdAt, data: usageLeafData(batch.kind, r) })),
    );
    return ids;
  }

  insertCostLines(orgId: string, lines: CostLine[]): void {
    for (const d of costRollupDeltas(lines)) this.s.upsertCost.run(costRollupValues(orgId, d));
  }

  async noteUnpricedUsage(orgId: string, items: UnpricedUsage[]): Promise<void> {
    for (const u of items) this.s.unpriced.run(orgId, u.kind, u.model, u.tier, u.firstAt, u.lastAt, u.records);
  }

  async findCostEntryHashes(orgId: string, ids: string[]): Promise<Map<string, { contentHash: string | null; createdAt: number }>> {
    return hashesOf(ids.length ? (this.s.entryHashes.all(orgId, JSON.stringify(ids)) as HashRow[]) : []);
  }

  async insertCostEntries(orgId: string, entries: CostEntry[]): Promise<string[]> {
    const inserted = entries.filter((e) => this.s.insertEntry.run(...costEntryValues(orgId, e)).changes === 1);
    this.insertCostLines(orgId, inserted.map(costLineOfEntry));
    this.ledger.usage(
      orgId,
      inserted.map((e) => ({ kind: 'cost', recordId: e.id, createdAt: e.createdAt, data: costEntryLeafData(e) })),
    );
    return inserted.map((e) => e.id);
  }
}

type Row = Record<string, number | string | null>;

function dimFromRow(d: Dimension, v: number | string | null): string | boolean | null {
  if (d === 'batch') return v === null || v === -1 ? null : v === 1;
  return v === null || v === '' ? null : String(v);
}

export class UsageReader implements UsageReads, CostReads {
  constructor(private readonly prepare: (sql: string) => Database.Statement) {}

  async queryUsage(q: UsageSegmentQuery): Promise<UsageGroupRow[]> {
    const kind = usageKind(q.kind);
    const { sql, params } = usageSegmentSql(kind, q);
    const groupBy = kind.levelMeasure ? kind.dimensions : q.groupBy;
    // Rows as arrays: building a keyed object per row costs more than the read itself.
    const stmt = this.prepare(sql).raw(true);
    const at = new Map(stmt.columns().map((c, i) => [c.name, i]));
    const dimAt = groupBy.map((d) => [d, at.get(d) as number] as const);
    const measureAt = kind.measures.map((m) => [m, at.get(m) as number] as const);
    const latestAt = at.get('latest_at');
    return (stmt.all(...params) as (number | string | null)[][]).map((row) => {
      const dims: DimValues = {};
      for (const [d, i] of dimAt) dims[d] = dimFromRow(d, row[i] ?? null);
      const measures: MeasureValues = {};
      for (const [m, i] of measureAt) {
        const v = row[i];
        if (v !== null && v !== undefined) measures[m] = v as number;
      }
      const out: UsageGroupRow = { bucketStart: row[0] as number, dims, measures };
      if (kind.levelMeasure) out.latestAt = row[latestAt as number] as number;
      return out;
    });
  }

  async queryCosts(q: CostSegmentQuery): Promise<CostGroupRow[]> {
    const { sql, params } = costSegmentSql(q);
    return (this.prepare(sql).all(...params) as Row[]).map((row) => costGroupFromRow(row, q.groupBy));
  }

  async listUnpricedUsage(orgId: string): Promise<UnpricedUsage[]> {
    const rows = this.prepare('SELECT * FROM unpriced_usage WHERE org_id = ? ORDER BY kind, model, tier').all(orgId) as Row[];
    return rows.map(unpricedFromRow);
  }
}
