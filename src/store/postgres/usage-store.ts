/**
 * The PostgreSQL side of usage and costs, the twin of sqlite/usage-store.ts.
 *
 * Writes run inside the group-commit transaction, a few statements per batch whatever its size (rows
 * travel as one array per column through unnest): the ids go into usage_record_ids with ON CONFLICT
 * DO NOTHING RETURNING, and only the ids that come back are copied into usage_records and feed the
 * rollups and cost line items, so a replay (or a concurrent writer of the same id in another process,
 * which waits on the conflicting row) never counts twice. Rollup deltas are pre-merged per key and
 * upserted in key order (usage-rollup.ts), so concurrent writers lock rollup rows in the same order.
 */
import type pg from 'pg';
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
import {
  COST_ENTRY_COLUMNS,
  costEntryValues,
  costGroupFromRow,
  costLineOfEntry,
  type HashRow,
  hashesOf,
  PROVENANCE_COLUMNS,
  PROVENANCE_TYPES,
  provenanceValues,
  USAGE_RECORD_COLUMNS,
  unpricedFromRow,
} from '../rows.js';
import { COST_ROLLUP_COLUMNS, COST_ROLLUP_KEY, costRollupDeltas, costRollupValues, usageRollupDeltas } from '../usage-rollup.js';
import { type CopyValue, copyRows } from './bulk-insert.js';
import { appendUsageLeaves } from './ledger-store.js';
import { journalUsage } from './log-stream-store.js';
import { MissingPartitionsError, type PartitionManager } from './partitions.js';
import { costSegmentSql, toRawValue, toRollupValue, usageSegmentSql } from './usage-sql.js';

type Hashes = Map<string, { contentHash: string | null; createdAt: number }>;

const dimType = (d: Dimension) => (d === 'batch' ? 'smallint' : 'text');
const RECORD_TYPES = [
  'text',
  'text',
  'bigint',
  'text',
  ...ALL_DIMENSIONS.map(dimType),
  ...ALL_MEASURES.map(() => 'bigint'),
  'text',
  'text',
  'text',
  ...PROVENANCE_TYPES,
];
const unnestOf = (types: string[], first = 1) => types.map((t, i) => `$${first + i}::${t}[]`).join(', ');

const INSERT_RECORDS = `
  WITH r AS (
    SELECT * FROM unnest(${unnestOf(RECORD_TYPES)}) WITH ORDINALITY AS t(${USAGE_RECORD_COLUMNS.join(', ')}, ord)
  ), ids AS (
    INSERT INTO usage_record_ids (org_id, kind, id, created_at, content_hash)
    SELECT org_id, kind, id, created_at, content_hash FROM r ORDER BY ord
    ON CONFLICT DO NOTHING RETURNING id
  ), rec AS (
    INSERT INTO usage_records (${USAGE_RECORD_COLUMNS.join(', ')})
    SELECT ${USAGE_RECORD_COLUMNS.map((c) => `r.${c}`).join(', ')} FROM r JOIN ids ON ids.id = r.id
  )
  SELECT id FROM ids`;

const ID_COLUMNS = ['org_id', 'kind', 'id', 'created_at', 'content_hash'];
const ID_INDEX = USAGE_RECORD_COLUMNS.indexOf('id');
const ID_POSITIONS = ID_COLUMNS.map((c) => USAGE_RECORD_COLUMNS.indexOf(c));
const idRow = (r: CopyValue[]): CopyValue[] => ID_POSITIONS.map((i) => r[i]);

const ROLLUP_KEY = ['org_id', 'kind', 'grain', 'cube', 'bucket', ...ALL_DIMENSIONS];
const ROLLUP_TYPES = ['text', 'text', 'integer', 'smallint', 'bigint', ...ALL_DIMENSIONS.map(dimType), ...ALL_MEASURES.map(() => 'bigint'), 'bigint'];

// Sums add, keeping NULL when neither side has the measure; usage_bytes is a level: latest sample wins.
const measureUpdate = (m: Measure) =>
  m === 'usage_bytes'
    ? `usage_bytes = CASE WHEN u.usage_bytes IS NULL OR excluded.latest_at > u.latest_at OR (excluded.latest_at = u.latest_at AND excluded.usage_bytes > u.usage_bytes) THEN excluded.usage_bytes ELSE u.usage_bytes END`
    : `${m} = coalesce(u.${m} + excluded.${m}, u.${m}, excluded.${m})`;

const UPSERT_ROLLUPS = `
  INSERT INTO usage_rollups AS u (${ROLLUP_KEY.join(', ')}, ${ALL_MEASURES.join(', ')}, latest_at)
  SELECT ${[...ROLLUP_KEY, ...ALL_MEASURES, 'latest_at'].join(', ')}
  FROM unnest(${unnestOf(ROLLUP_TYPES)}) WITH ORDINALITY AS t(${ROLLUP_KEY.join(', ')}, ${ALL_MEASURES.join(', ')}, latest_at, ord)
  ORDER BY ord
  ON CONFLICT (${ROLLUP_KEY.join(', ')}) DO UPDATE SET ${ALL_MEASURES.map(measureUpdate).join(', ')},
    latest_at = greatest(u.latest_at, excluded.latest_at)`;

const UPSERT_COSTS = `
  INSERT INTO cost_rollups AS c (${COST_ROLLUP_COLUMNS.join(', ')})
  SELECT ${COST_ROLLUP_COLUMNS.join(', ')}
  FROM unnest(${unnestOf(['text', 'integer', 'smallint', 'bigint', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint', 'float8'])})
    WITH ORDINALITY AS t(${COST_ROLLUP_COLUMNS.join(', ')}, ord)
  ORDER BY ord
  ON CONFLICT (${COST_ROLLUP_KEY.join(', ')}) DO UPDATE SET amount_nano = c.amount_nano + excluded.amount_nano, quantity = c.quantity + excluded.quantity`;

const UPSERT_UNPRICED = `
  INSERT INTO unpriced_usage AS x (org_id, kind, model, tier, first_at, last_at, records)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
  ON CONFLICT (org_id, kind, model, tier) DO UPDATE SET first_at = least(x.first_at, excluded.first_at),
    last_at = greatest(x.last_at, excluded.last_at), records = x.records + excluded.records`;

const ENTRY_COLUMNS = [...COST_ENTRY_COLUMNS, ...PROVENANCE_COLUMNS];
const INSERT_ENTRIES = `
  INSERT INTO cost_entries (${ENTRY_COLUMNS.join(', ')})
  SELECT ${ENTRY_COLUMNS.join(', ')}
  FROM unnest(${unnestOf(['text', 'text', 'bigint', 'text', 'text', 'text', 'bigint', 'text', 'float8', 'text', 'text', ...PROVENANCE_TYPES])})
    WITH ORDINALITY AS t(${ENTRY_COLUMNS.join(', ')}, ord)
  ORDER BY ord
  ON CONFLICT DO NOTHING RETURNING id`;

/** Rows as one array per column, for unnest. */
function columnsOf(rows: unknown[][], width: number): unknown[][] {
  const cols: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) for (let i = 0; i < width; i++) (cols[i] as unknown[]).push(row[i]);
  return cols;
}

const byString =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) => {
    const x = key(a);
    const y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };

/** The inserted ids in the caller's order, each once (as a row-by-row insert would report them). */
function inOrder(items: { id: string }[], inserted: Set<string>): string[] {
  const out: string[] = [];
  for (const { id } of items) {
    if (!inserted.has(id)) continue;
    inserted.delete(id);
    out.push(id);
  }
  return out;
}

/** The usage and cost writes of one group-commit transaction. */
export class PgUsageWriter implements UsageWrites, CostWrites {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly partitions: PartitionManager,
  ) {}

  async findUsageHashes(orgId: string, kind: string, ids: string[]): Promise<Hashes> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.client.query<HashRow>({
      name: 'orgledger_tx_usage_hashes',
      text: 'SELECT id, content_hash, created_at FROM usage_record_ids WHERE org_id = $1 AND kind = $2 AND id = ANY($3::text[])',
      values: [orgId, kind, ids],
    });
    return hashesOf(rows);
  }

  /** Inserts the new records (their months must have partitions: the store creates them and retries); returns their ids. */
  async insertUsage(batch: UsageInsert): Promise<string[]> {
    if (batch.records.length === 0) return [];
    const missing = await this.partitions.missing(
      this.client,
      batch.records.map((r) => r.createdAt),
    );
    if (missing.length > 0) throw new MissingPartitionsError(missing);
    const kind = usageKind(batch.kind);
    // One row per id (the first), in id order: concurrent writers of overlapping ids wait, never deadlock.
    const unique = new Map<string, UsageRecord>();
    for (const r of batch.records) if (!unique.has(r.id)) unique.set(r.id, r);
    const records = [...unique.values()].sort(byString((r) => r.id));
    const rows = records.map((r): CopyValue[] => [
      batch.orgId,
      batch.kind,
      r.createdAt,
      r.id,
      ...ALL_DIMENSIONS.map((d) => toRawValue(d, r.dims[d])),
      ...ALL_MEASURES.map((m) => r.measures[m] ?? null),
      r.priceId,
      r.contentHash,
      r.provider ?? null,
      ...provenanceValues(r),
    ]);
    const ids = await this.insertRecords(rows);
    const inserted = records.filter((r) => ids.has(r.id));
    await journalUsage(
      this.client,
      batch.orgId,
      batch.kind,
      inserted.map((r) => r.id),
    );
    const deltas = usageRollupDeltas(kind, inserted);
    if (deltas.length > 0) {
      const rollupRows = deltas.map((d) => [
        batch.orgId,
        batch.kind,
        d.grain,
        d.cube,
        d.bucket,
        ...ALL_DIMENSIONS.map((dim) => toRollupValue(dim, d.dims[dim])),
        ...ALL_MEASURES.map((m) => d.measures[m] ?? null),
        d.latestAt,
      ]);
      await this.client.query({ name: 'orgledger_tx_usage_rollups', text: UPSERT_ROLLUPS, values: columnsOf(rollupRows, ROLLUP_TYPES.length) });
    }
    await this.insertCostLines(
      batch.orgId,
      inserted.flatMap((r) => r.costs),
    );
    await appendUsageLeaves(
      this.client,
      batch.orgId,
      inserted.map((r) => ({ kind: batch.kind, recordId: r.id, createdAt: r.createdAt, data: usageLeafData(batch.kind, r) })),
    );
    return inOrder(batch.records, ids);
  }

  /**
   * Writes the records and their ids; returns the ids inserted. The fast path COPYs both tables, under
   * a savepoint: when an id is already stored (a replay that skipped the service's check, or another
   * process that committed the same id a moment ago) the COPY fails with a unique violation, and the
   * batch is written again with INSERT ... ON CONFLICT DO NOTHING, which skips those ids.
   */
  private async insertRecords(rows: CopyValue[][]): Promise<Set<string>> {
    await this.client.query('SAVEPOINT usage_copy');
    try {
      await copyRows(this.client, 'usage_record_ids', ID_COLUMNS, rows.map(idRow));
      await copyRows(this.client, 'usage_records', USAGE_RECORD_COLUMNS, rows);
      await this.client.query('RELEASE SAVEPOINT usage_copy');
      return new Set(rows.map((r) => r[ID_INDEX] as string));
    } catch (err) {
      if ((err as { code?: string }).code !== '23505') throw err;
      await this.client.query('ROLLBACK TO SAVEPOINT usage_copy');
      await this.client.query('RELEASE SAVEPOINT usage_copy');
    }
    const { rows: returned } = await this.client.query<{ id: string }>({
      name: 'orgledger_tx_usage_insert',
      text: INSERT_RECORDS,
      values: columnsOf(rows, USAGE_RECORD_COLUMNS.length),
    });
    return new Set(returned.map((r) => r.id));
  }

  async insertCostLines(orgId: string, lines: CostLine[]): Promise<void> {
    const deltas = costRollupDeltas(lines);
    if (deltas.length === 0) return;
    const rows = deltas.map((d) => costRollupValues(orgId, d));
    await this.client.query({ name: 'orgledger_tx_cost_rollups', text: UPSERT_COSTS, values: columnsOf(rows, COST_ROLLUP_COLUMNS.length) });
  }

  async noteUnpricedUsage(orgId: string, items: UnpricedUsage[]): Promise<void> {
    if (items.length === 0) return;
    // Merged per key and sorted, as for rollups.
    const merged = new Map<string, UnpricedUsage>();
    for (const u of items) {
      const k = `${u.kind}\u0000${u.model}\u0000${u.tier}`;
      const seen = merged.get(k);
      if (seen)
        merged.set(k, { ...seen, firstAt: Math.min(seen.firstAt, u.firstAt), lastAt: Math.max(seen.lastAt, u.lastAt), records: seen.records + u.records });
      else merged.set(k, { ...u });
    }
    const sorted = [...merged.entries()].sort(byString(([k]) => k)).map(([, u]) => u);
    const rows = sorted.map((u) => [orgId, u.kind, u.model, u.tier, u.firstAt, u.lastAt, u.records]);
    await this.client.query({ name: 'orgledger_tx_unpriced', text: UPSERT_UNPRICED, values: columnsOf(rows, 7) });
  }

  async findCostEntryHashes(orgId: string, ids: string[]): Promise<Hashes> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.client.query<HashRow>({
      name: 'orgledger_tx_entry_hashes',
      text: 'SELECT id, content_hash, created_at FROM cost_entries WHERE org_id = $1 AND id = ANY($2::text[])',
      values: [orgId, ids],
    });
    return hashesOf(rows);
  }

  async insertCostEntries(orgId: string, entries: CostEntry[]): Promise<string[]> {
    if (entries.length === 0) return [];
    const unique = new Map<string, CostEntry>();
    for (const e of entries) if (!unique.has(e.id)) unique.set(e.id, e);
    const sorted = [...unique.values()].sort(byString((e) => e.id));
    const rows = sorted.map((e) => [...costEntryValues(orgId, e), ...provenanceValues(e)]);
    const { rows: returned } = await this.client.query<{ id: string }>({
      name: 'orgledger_tx_entries_insert',
      text: INSERT_ENTRIES,
      values: columnsOf(rows, ENTRY_COLUMNS.length),
    });
    const ids = new Set(returned.map((r) => r.id));
    await this.insertCostLines(orgId, sorted.filter((e) => ids.has(e.id)).map(costLineOfEntry));
    await appendUsageLeaves(
      this.client,
      orgId,
      sorted.filter((e) => ids.has(e.id)).map((e) => ({ kind: 'cost', recordId: e.id, createdAt: e.createdAt, data: costEntryLeafData(e) })),
    );
    return inOrder(entries, ids);
  }
}

type Row = Record<string, number | string | null>;

function dimFromRow(d: Dimension, v: number | string | null): string | boolean | null {
  if (d === 'batch') return v === null || v === -1 ? null : v === 1;
  return v === null || v === '' ? null : String(v);
}

/** Usage and cost reads; `query` runs one statement on any pooled connection. */
export class PgUsageReader implements UsageReads, CostReads {
  constructor(private readonly query: (text: string, values: unknown[]) => Promise<Row[]>) {}

  async queryUsage(q: UsageSegmentQuery): Promise<UsageGroupRow[]> {
    const kind = usageKind(q.kind);
    const { text, values } = usageSegmentSql(kind, q);
    const groupBy = kind.levelMeasure ? kind.dimensions : q.groupBy;
    return (await this.query(text, values)).map((row) => {
      const dims: DimValues = {};
      for (const d of groupBy) dims[d] = dimFromRow(d, row[d] ?? null);
      const measures: MeasureValues = {};
      for (const m of kind.measures) if (row[m] !== null && row[m] !== undefined) measures[m] = Number(row[m]);
      const out: UsageGroupRow = { bucketStart: Number(row.b), dims, measures };
      if (kind.levelMeasure) out.latestAt = Number(row.latest_at);
      return out;
    });
  }

  async queryCosts(q: CostSegmentQuery): Promise<CostGroupRow[]> {
    const { text, values } = costSegmentSql(q);
    return (await this.query(text, values)).map((row) => costGroupFromRow(row, q.groupBy));
  }

  async listUnpricedUsage(orgId: string): Promise<UnpricedUsage[]> {
    const rows = await this.query('SELECT * FROM unpriced_usage WHERE org_id = $1 ORDER BY kind, model, tier', [orgId]);
    return rows.map(unpricedFromRow);
  }
}
