/**
 * The ledger on PostgreSQL, the twin of sqlite/ledger-store.ts. An append costs three statements per
 * log per batch whatever its size (no per-leaf round trips): the log-size upsert (whose row lock
 * orders concurrent writers of one log, also across processes), one read of the right edge's hashes,
 * and one COPY of the new stored hashes (plus one COPY of the usage leaf map).
 */
import type pg from 'pg';
import { auditLeafData, type LogName } from '../../features/ledger/leaf-data.js';
import { LeafHasher } from '../../features/ledger/leaf-hasher.js';
import { appendHashes, frontierIndexes } from '../../features/ledger/merkle.js';
import { type PackedLeaves, packLeafTexts } from '../../features/ledger/packed-leaves.js';
import type {
  LedgerLeaf,
  LedgerLeafText,
  LedgerLogState,
  LedgerReads,
  LedgerWrites,
  RetentionPolicy,
  StoredCheckpoint,
  StoredHashRange,
  StoredPrune,
} from '../../features/ledger/store.js';
import {
  COST_LEAF_COLUMNS,
  type LeafRow,
  leavesOf,
  USAGE_LEAF_COLUMNS,
  USAGE_LEAF_COLUMNS_V9,
  usageLeafFromRow,
} from '../../features/ledger/usage-leaf-rows.js';
import { checkpointFromRow, pruneFromRow, retentionFromRow, UNLOGGED_USAGE_SQL } from '../rows.js';
import { copyRows } from './bulk-insert.js';
import type { ReadRows } from './rows.js';

export interface UsageLeafInput {
  kind: string;
  recordId: string;
  createdAt: number;
  data: string;
}

/** Scratch buffers for leaf hashing; appends hash synchronously, so one per process is enough. */
const hasher = new LeafHasher();

async function append(client: pg.PoolClient, orgId: string, log: LogName, leafHashes: Buffer[]): Promise<number> {
  if (leafHashes.length === 0) return -1;
  const { rows } = await client.query<{ size: number }>({
    name: 'orgledger_tx_ledger_bump',
    text: 'INSERT INTO ledger_logs AS l (org_id, log, size) VALUES ($1, $2, $3) ON CONFLICT (org_id, log) DO UPDATE SET size = l.size + excluded.size RETURNING size',
    values: [orgId, log, leafHashes.length],
  });
  const size = Number(rows[0]?.size) - leafHashes.length;
  const edge = await client.query<{ idx: number; hash: string }>({
    name: 'orgledger_tx_ledger_edge',
    text: 'SELECT idx, hash FROM ledger_hashes WHERE org_id = $1 AND log = $2 AND idx = ANY($3::bigint[])',
    values: [orgId, log, frontierIndexes(size)],
  });
  const frontier = new Map(edge.rows.map((r) => [Number(r.idx), Buffer.from(r.hash, 'hex')]));
  const hashes = appendHashes(size, leafHashes, frontier);
  await copyRows(
    client,
    'ledger_hashes',
    ['org_id', 'log', 'idx', 'hash'],
    hashes.map((h) => [orgId, log, h.index, h.hash.toString('hex')]),
  );
  return size;
}

export async function appendAuditLeaves(client: pg.PoolClient, orgId: string, events: { seq: number; body: string }[]): Promise<void> {
  if (events.length === 0) return;
  const first = await append(
    client,
    orgId,
    'audit',
    // Each leaf is hashed once, from the body as stored (canonicalized on its bytes: leaf-hasher.ts).
    events.map((e) => hasher.canonicalAuditLeaf(e.body)),
  );
  // leaf index = seq - 1: both are allocated under the organization's row lock, so they cannot drift.
  if (first !== (events[0] as { seq: number }).seq - 1) throw new Error(`ledger: audit log of ${orgId} has ${first} leaves, next seq is ${events[0]?.seq}`);
}

export async function appendUsageLeaves(client: pg.PoolClient, orgId: string, leaves: UsageLeafInput[]): Promise<void> {
  if (leaves.length === 0) return;
  const first = await append(
    client,
    orgId,
    'usage',
    leaves.map((l) => hasher.leaf(l.data)),
  );
  await copyRows(
    client,
    'ledger_usage_leaves',
    ['org_id', 'leaf_index', 'kind', 'record_id', 'created_at'],
    leaves.map((l, i) => [orgId, first + i, l.kind, l.recordId, l.createdAt]),
  );
}

export const USAGE_LEAVES_SQL = `SELECT l.leaf_index, l.kind, l.record_id, ${USAGE_LEAF_COLUMNS_V9.join(', ')} FROM ledger_usage_leaves l
  LEFT JOIN usage_records r ON r.org_id = l.org_id AND r.kind = l.kind AND r.created_at = l.created_at AND r.id = l.record_id
  WHERE l.org_id = $1 AND l.leaf_index >= $2 AND l.leaf_index < $3 AND l.kind <> 'cost'`;
export const COST_LEAVES_SQL = `SELECT l.leaf_index, l.kind, l.record_id, ${COST_LEAF_COLUMNS.join(', ')} FROM ledger_usage_leaves l
  LEFT JOIN cost_entries c ON c.org_id = l.org_id AND c.id = l.record_id
  WHERE l.org_id = $1 AND l.leaf_index >= $2 AND l.leaf_index < $3 AND l.kind = 'cost'`;
export const AUDIT_LEAVES_SQL = `SELECT i.seq, i.id, e.body FROM audit_event_ids i
  JOIN audit_events e ON e.org_id = i.org_id AND e.effective_at = i.effective_at AND e.seq = i.seq
  WHERE i.org_id = $1 AND i.seq > $2 AND i.seq <= $3 ORDER BY i.seq`;

export class PgLedgerReads implements LedgerReads {
  constructor(private readonly rows: ReadRows) {}

  async ledgerLogStates(): Promise<LedgerLogState[]> {
    const rows = await this.rows<{ org_id: string; log: LogName; size: number; cp: number }>(
      'ledger_states',
      `SELECT l.org_id, l.log, l.size, coalesce((SELECT max(tree_size) FROM ledger_checkpoints c WHERE c.org_id = l.org_id AND c.log = l.log), 0) AS cp
       FROM ledger_logs l ORDER BY l.org_id, l.log`,
      [],
    );
    return rows.map((r) => ({ orgId: r.org_id, log: r.log, size: Number(r.size), checkpointSize: Number(r.cp) }));
  }

  async ledgerLogSize(orgId: string, log: LogName): Promise<number> {
    const [row] = await this.rows<{ size: number }>('ledger_size', 'SELECT size FROM ledger_logs WHERE org_id = $1 AND log = $2', [orgId, log]);
    return row ? Number(row.size) : 0;
  }

  async readLedgerHashes(orgId: string, log: LogName, indexes: number[]): Promise<Map<number, Buffer>> {
    const rows = await this.rows<{ idx: number; hash: string }>(
      'ledger_hashes',
      'SELECT idx, hash FROM ledger_hashes WHERE org_id = $1 AND log = $2 AND idx = ANY($3::bigint[])',
      [orgId, log, indexes],
    );
    return new Map(rows.map((r) => [Number(r.idx), Buffer.from(r.hash, 'hex')]));
  }

  async ledgerCheckpoint(orgId: string, log: LogName, treeSize?: number): Promise<StoredCheckpoint | null> {
    const [row] =
      treeSize === undefined
        ? await this.rows('ledger_latest_cp', 'SELECT * FROM ledger_checkpoints WHERE org_id = $1 AND log = $2 ORDER BY tree_size DESC LIMIT 1', [orgId, log])
        : await this.rows('ledger_cp', 'SELECT * FROM ledger_checkpoints WHERE org_id = $1 AND log = $2 AND tree_size = $3', [orgId, log, treeSize]);
    return row ? checkpointFromRow(row) : null;
  }

  async ledgerCheckpoints(orgId: string, log: LogName): Promise<StoredCheckpoint[]> {
    return (await this.rows('ledger_cps', 'SELECT * FROM ledger_checkpoints WHERE org_id = $1 AND log = $2 ORDER BY tree_size', [orgId, log])).map(
      checkpointFromRow,
    );
  }

  async ledgerLeafIndex(orgId: string, log: LogName, recordId: string): Promise<number | null> {
    const [row] =
      log === 'audit'
        ? await this.rows<{ i: number }>('ledger_audit_leaf', 'SELECT seq - 1 AS i FROM audit_event_ids WHERE org_id = $1 AND id = $2', [orgId, recordId])
        : await this.rows<{ i: number | null }>(
            'ledger_usage_leaf',
            'SELECT min(leaf_index) AS i FROM ledger_usage_leaves WHERE org_id = $1 AND record_id = $2',
            [orgId, recordId],
          );
    return row?.i === null || row?.i === undefined ? null : Number(row.i);
  }

  async ledgerUsageLeafIndexes(orgId: string, recordIds: string[]): Promise<Map<string, number>> {
    if (recordIds.length === 0) return new Map();
    const rows = await this.rows<{ record_id: string; i: string }>(
      'ledger_usage_leaf_indexes',
      'SELECT record_id, min(leaf_index) AS i FROM ledger_usage_leaves WHERE org_id = $1 AND record_id = ANY($2::text[]) GROUP BY record_id',
      [orgId, recordIds],
    );
    return new Map(rows.map((r) => [r.record_id, Number(r.i)]));
  }

  async ledgerLeaves(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeaf[]> {
    if (log === 'audit') {
      const rows = await this.rows<{ seq: number; id: string; body: string }>('ledger_audit_leaves', AUDIT_LEAVES_SQL, [orgId, from, to]);
      return rows.map((r) => ({ leafIndex: Number(r.seq) - 1, recordId: r.id, data: auditLeafData(r.body) }));
    }
    const usage = await this.rows<LeafRow>('ledger_usage_leaves', USAGE_LEAVES_SQL, [orgId, from, to]);
    const costs = await this.rows<LeafRow>('ledger_cost_leaves', COST_LEAVES_SQL, [orgId, from, to]);
    return leavesOf([...usage, ...costs]);
  }

  async ledgerRecordCount(orgId: string, log: LogName): Promise<number> {
    // audit_events itself, every partition: the id table is what a forger would leave out.
    const sql =
      log === 'audit'
        ? 'SELECT count(*) AS n FROM audit_events WHERE org_id = $1'
        : 'SELECT (SELECT count(*) FROM usage_records WHERE org_id = $1) + (SELECT count(*) FROM cost_entries WHERE org_id = $1) AS n';
    const [row] = await this.rows<{ n: string }>(`ledger_count_${log}`, sql, [orgId]);
    return Number(row?.n ?? 0);
  }

  async ledgerUnloggedRecords(orgId: string, log: LogName): Promise<{ recordId: string; where: string }[]> {
    const sql =
      log === 'audit'
        ? `SELECT e.id, 'seq ' || e.seq || ' in ' || e.tableoid::regclass AS at FROM audit_events e WHERE e.org_id = $1
             AND (e.seq < 1 OR NOT EXISTS (SELECT 1 FROM audit_event_ids i WHERE i.org_id = e.org_id AND i.seq = e.seq AND i.effective_at = e.effective_at))`
        : UNLOGGED_USAGE_SQL('$1');
    const rows = await this.rows<{ id: string; at: string }>(`ledger_unlogged_${log}`, sql, [orgId]);
    return rows.map((r) => ({ recordId: r.id, where: r.at }));
  }

  async retentionPolicies(orgId?: string): Promise<RetentionPolicy[]> {
    const rows =
      orgId === undefined
        ? await this.rows('retention_all', 'SELECT * FROM retention_policies ORDER BY org_id, log', [])
        : await this.rows('retention_org', 'SELECT * FROM retention_policies WHERE org_id = $1 ORDER BY log', [orgId]);
    return rows.map(retentionFromRow);
  }

  async ledgerPrunes(orgId: string, log: LogName): Promise<StoredPrune[]> {
    return (await this.rows('ledger_prunes', 'SELECT * FROM ledger_prunes WHERE org_id = $1 AND log = $2 ORDER BY pruned_size', [orgId, log])).map(
      pruneFromRow,
    );
  }

  async ledgerFirstLeafSince(orgId: string, log: LogName, from: number, cutoff: number): Promise<number | null> {
    // audit_event_ids holds seq and effective_at unpartitioned: a walk in leaf order that stops at
    // the first record retention must keep.
    const [row] =
      log === 'audit'
        ? await this.rows<{ i: string }>(
            'ledger_first_audit_since',
            'SELECT seq - 1 AS i FROM audit_event_ids WHERE org_id = $1 AND seq > $2 AND effective_at >= $3 ORDER BY seq LIMIT 1',
            [orgId, from, cutoff],
          )
        : await this.rows<{ i: string }>(
            'ledger_first_usage_since',
            'SELECT leaf_index AS i FROM ledger_usage_leaves WHERE org_id = $1 AND leaf_index >= $2 AND created_at >= $3 ORDER BY leaf_index LIMIT 1',
            [orgId, from, cutoff],
          );
    return row ? Number(row.i) : null;
  }

  async ledgerLeafBytes(orgId: string, log: LogName, from: number, to: number): Promise<PackedLeaves> {
    return packLeafTexts(await this.ledgerLeafTexts(orgId, log, from, to));
  }

  async ledgerLeafTexts(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeafText[]> {
    if (log !== 'audit') return (await this.ledgerLeaves(orgId, log, from, to)).map((l) => ({ leafIndex: l.leafIndex, recordId: l.recordId, text: l.data }));
    const rows = await this.rows<{ seq: string; id: string; body: string }>('ledger_audit_leaves', AUDIT_LEAVES_SQL, [orgId, from, to]);
    return rows.map((r) => ({ leafIndex: Number(r.seq) - 1, recordId: r.id, text: r.body }));
  }

  async readLedgerHashRange(orgId: string, log: LogName, from: number, to: number): Promise<StoredHashRange> {
    // The whole range as one hex string (one decode, no row objects) when every row is there and well formed.
    const [whole] = await this.rows<{ n: string; hex: string }>(
      'ledger_hash_range_whole',
      "SELECT count(*) AS n, coalesce(string_agg(hash, '' ORDER BY idx), '') AS hex FROM ledger_hashes WHERE org_id = $1 AND log = $2 AND idx >= $3 AND idx < $4",
      [orgId, log, from, to],
    );
    if (whole && Number(whole.n) === to - from && whole.hex.length === (to - from) * 64) {
      const hashes = Buffer.from(whole.hex, 'hex');
      if (hashes.length === (to - from) * 32) return { hashes, present: new Uint8Array(to - from).fill(1) };
    }
    const hashes = Buffer.alloc((to - from) * 32);
    const present = new Uint8Array(to - from);
    const rows = await this.rows<{ idx: string; hash: string }>(
      'ledger_hash_range',
      'SELECT idx, hash FROM ledger_hashes WHERE org_id = $1 AND log = $2 AND idx >= $3 AND idx < $4 ORDER BY idx',
      [orgId, log, from, to],
    );
    for (const r of rows) {
      const i = Number(r.idx) - from;
      hashes.write(r.hash, i * 32, 32, 'hex');
      present[i] = 1;
    }
    return { hashes, present };
  }
}

const PRUNE_AUDIT = [
  `DELETE FROM audit_event_actors a USING audit_event_ids i WHERE a.org_id = $1 AND i.org_id = $1 AND i.seq > $2 AND i.seq <= $3
     AND a.effective_at = i.effective_at AND a.seq = i.seq`,
  `DELETE FROM audit_events e USING audit_event_ids i WHERE e.org_id = $1 AND i.org_id = $1 AND i.seq > $2 AND i.seq <= $3
     AND e.effective_at = i.effective_at AND e.seq = i.seq`,
  'DELETE FROM audit_event_ids WHERE org_id = $1 AND seq > $2 AND seq <= $3',
];
const PRUNE_USAGE = [
  `DELETE FROM usage_record_ids r USING ledger_usage_leaves l WHERE r.org_id = $1 AND l.org_id = $1 AND l.leaf_index >= $2 AND l.leaf_index < $3
     AND l.kind <> 'cost' AND r.kind = l.kind AND r.id = l.record_id`,
  `DELETE FROM usage_records r USING ledger_usage_leaves l WHERE r.org_id = $1 AND l.org_id = $1 AND l.leaf_index >= $2 AND l.leaf_index < $3
     AND l.kind <> 'cost' AND r.kind = l.kind AND r.id = l.record_id AND r.created_at = l.created_at`,
  `DELETE FROM cost_entries c USING ledger_usage_leaves l WHERE c.org_id = $1 AND l.org_id = $1 AND l.leaf_index >= $2 AND l.leaf_index < $3
     AND l.kind = 'cost' AND c.id = l.record_id`,
];

export class PgLedgerWrites implements LedgerWrites {
  constructor(private readonly client: pg.PoolClient) {}

  async setRetention(orgId: string, log: LogName, seconds: number | null, at: number): Promise<void> {
    if (seconds === null) await this.client.query('DELETE FROM retention_policies WHERE org_id = $1 AND log = $2', [orgId, log]);
    else
      await this.client.query(
        `INSERT INTO retention_policies (org_id, log, seconds, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, log) DO UPDATE SET seconds = excluded.seconds, updated_at = excluded.updated_at`,
        [orgId, log, seconds, at],
      );
  }

  async pruneLedger(prune: StoredPrune, from: number): Promise<number> {
    const statements = prune.log === 'audit' ? PRUNE_AUDIT : PRUNE_USAGE;
    let deleted = 0;
    for (const [i, text] of statements.entries()) {
      const result = await this.client.query(text, [prune.orgId, from, prune.prunedSize]);
      // Count the records themselves: audit_events (the 2nd), usage_records and cost_entries (2nd, 3rd).
      if (prune.log === 'audit' ? i === 1 : i > 0) deleted += result.rowCount ?? 0;
    }
    // Two processes applying the same chunk at once store one record.
    await this.client.query('INSERT INTO ledger_prunes (org_id, log, pruned_size, pruned_at, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      prune.orgId,
      prune.log,
      prune.prunedSize,
      prune.prunedAt,
      prune.note,
    ]);
    return deleted;
  }

  async insertCheckpoints(checkpoints: StoredCheckpoint[]): Promise<void> {
    for (const c of checkpoints) {
      await this.client.query({
        name: 'orgledger_tx_ledger_cp',
        text: 'INSERT INTO ledger_checkpoints (org_id, log, tree_size, root_hash, signed_at, note) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
        values: [c.orgId, c.log, c.treeSize, c.rootHash, c.signedAt, c.note],
      });
    }
  }
}

/** Migration 6's backfill: the logs of rows stored before the ledger existed (audit in seq order). */
export async function backfillLedgerPg(client: pg.PoolClient): Promise<void> {
  const { rows: orgs } = await client.query<{ id: string }>('SELECT id FROM organizations ORDER BY id');
  for (const { id: orgId } of orgs) {
    for (let after = 0; ; ) {
      const { rows } = await client.query<{ seq: number; body: string }>(`${AUDIT_LEAVES_SQL} LIMIT 10000`, [orgId, after, Number.MAX_SAFE_INTEGER]);
      if (rows.length === 0) break;
      await appendAuditLeaves(client, orgId, rows);
      after = Number((rows[rows.length - 1] as { seq: number }).seq);
    }
    const records = await client.query<LeafRow>(
      `SELECT 0 AS leaf_index, r.kind, r.id AS record_id, ${USAGE_LEAF_COLUMNS.join(', ')} FROM usage_records r WHERE r.org_id = $1 ORDER BY r.created_at, r.kind, r.id`,
      [orgId],
    );
    const entries = await client.query<LeafRow>(
      `SELECT 0 AS leaf_index, 'cost' AS kind, c.id AS record_id, ${COST_LEAF_COLUMNS.join(', ')} FROM cost_entries c WHERE c.org_id = $1 ORDER BY c.created_at, c.id`,
      [orgId],
    );
    await appendUsageLeaves(
      client,
      orgId,
      [...records.rows, ...entries.rows].map((r) => ({
        kind: r.kind,
        recordId: r.record_id,
        createdAt: Number(r.created_at),
        data: usageLeafFromRow(r) as string,
      })),
    );
  }
}
