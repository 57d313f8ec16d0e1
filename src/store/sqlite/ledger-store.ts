/**
 * The ledger on SQLite. Appends run inside the caller's insert transaction (the group commit), so a
 * record and its leaf commit together: one upsert of the log size, one read of the right edge's
 * hashes, then the new stored hashes (about two per leaf).
 */
import type Database from 'better-sqlite3';
import { auditLeafData, type LogName } from '../../features/ledger/leaf-data.js';
import { LeafHasher } from '../../features/ledger/leaf-hasher.js';
import { appendHashes, frontierIndexes, type StoredHash } from '../../features/ledger/merkle.js';
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

type DB = Database.Database;

export interface UsageLeafInput {
  kind: string;
  recordId: string;
  createdAt: number;
  data: string;
}

/** Stored hashes per multi-row INSERT: one statement run per HASH_ROWS hashes instead of one per hash. */
const HASH_ROWS = 64;

/** Appends leaves to one log; returns the first new leaf's index. */
export function ledgerAppender(db: DB) {
  const bump = db.prepare(
    'INSERT INTO ledger_logs (org_id, log, size) VALUES (?, ?, ?) ON CONFLICT (org_id, log) DO UPDATE SET size = size + excluded.size RETURNING size',
  );
  const readHashes = db.prepare('SELECT idx, hash FROM ledger_hashes WHERE org_id = ? AND log = ? AND idx IN (SELECT value FROM json_each(?))');
  const insertHash = db.prepare('INSERT INTO ledger_hashes (org_id, log, idx, hash) VALUES (?, ?, ?, ?)');
  const insertHashes = db.prepare(`INSERT INTO ledger_hashes (org_id, log, idx, hash) VALUES ${Array(HASH_ROWS).fill('(?, ?, ?, ?)').join(', ')}`);
  const params: unknown[] = Array(HASH_ROWS * 4);
  const insertUsageLeaf = db.prepare('INSERT INTO ledger_usage_leaves (org_id, leaf_index, kind, record_id, created_at) VALUES (?, ?, ?, ?, ?)');
  const hasher = new LeafHasher();
  const append = (orgId: string, log: LogName, leafHashes: Buffer[]): number => {
    if (leafHashes.length === 0) return -1;
    const size = (bump.get(orgId, log, leafHashes.length) as { size: number }).size - leafHashes.length;
    const rows = readHashes.all(orgId, log, JSON.stringify(frontierIndexes(size))) as { idx: number; hash: string }[];
    const frontier = new Map(rows.map((r) => [r.idx, Buffer.from(r.hash, 'hex')]));
    const hashes = appendHashes(size, leafHashes, frontier);
    let k = 0;
    for (; k + HASH_ROWS <= hashes.length; k += HASH_ROWS) {
      for (let j = 0; j < HASH_ROWS; j++) {
        const h = hashes[k + j] as StoredHash;
        params[j * 4] = orgId;
        params[j * 4 + 1] = log;
        params[j * 4 + 2] = h.index;
        params[j * 4 + 3] = h.hash.toString('hex');
      }
      insertHashes.run(params);
    }
    for (; k < hashes.length; k++) {
      const h = hashes[k] as StoredHash;
      insertHash.run(orgId, log, h.index, h.hash.toString('hex'));
    }
    return size;
  };
  return {
    audit(orgId: string, events: { seq: number; body: string }[]): void {
      if (events.length === 0) return;
      // Each leaf is hashed once, from the body as stored (canonicalized on its bytes: leaf-hasher.ts).
      const first = append(
        orgId,
        'audit',
        events.map((e) => hasher.canonicalAuditLeaf(e.body)),
      );
      // leaf index = seq - 1: both are allocated under the same write lock, so they cannot drift.
      if (first !== (events[0] as { seq: number }).seq - 1) throw new Error(`ledger: audit log of ${orgId} has ${first} leaves, next seq is ${events[0]?.seq}`);
    },
    usage(orgId: string, leaves: UsageLeafInput[]): void {
      const first = append(
        orgId,
        'usage',
        leaves.map((l) => hasher.leaf(l.data)),
      );
      for (const [i, l] of leaves.entries()) insertUsageLeaf.run(orgId, first + i, l.kind, l.recordId, l.createdAt);
    },
  };
}

export class SqliteLedgerReads implements LedgerReads {
  constructor(private readonly read: (sql: string) => Database.Statement) {}

  async ledgerLogStates(): Promise<LedgerLogState[]> {
    const rows = this.read(
      `SELECT l.org_id, l.log, l.size, coalesce((SELECT max(tree_size) FROM ledger_checkpoints c WHERE c.org_id = l.org_id AND c.log = l.log), 0) AS cp
       FROM ledger_logs l ORDER BY l.org_id, l.log`,
    ).all() as { org_id: string; log: LogName; size: number; cp: number }[];
    return rows.map((r) => ({ orgId: r.org_id, log: r.log, size: r.size, checkpointSize: r.cp }));
  }

  async ledgerLogSize(orgId: string, log: LogName): Promise<number> {
    const row = this.read('SELECT size FROM ledger_logs WHERE org_id = ? AND log = ?').get(orgId, log) as { size: number } | undefined;
    return row?.size ?? 0;
  }

  async readLedgerHashes(orgId: string, log: LogName, indexes: number[]): Promise<Map<number, Buffer>> {
    const rows = this.read('SELECT idx, hash FROM ledger_hashes WHERE org_id = ? AND log = ? AND idx IN (SELECT value FROM json_each(?))').all(
      orgId,
      log,
      JSON.stringify(indexes),
    ) as { idx: number; hash: string }[];
    return new Map(rows.map((r) => [r.idx, Buffer.from(r.hash, 'hex')]));
  }

  async ledgerCheckpoint(orgId: string, log: LogName, treeSize?: number): Promise<StoredCheckpoint | null> {
    const row =
      treeSize === undefined
        ? this.read('SELECT * FROM ledger_checkpoints WHERE org_id = ? AND log = ? ORDER BY tree_size DESC LIMIT 1').get(orgId, log)
        : this.read('SELECT * FROM ledger_checkpoints WHERE org_id = ? AND log = ? AND tree_size = ?').get(orgId, log, treeSize);
    return row ? checkpointFromRow(row as Record<string, unknown>) : null;
  }

  async ledgerCheckpoints(orgId: string, log: LogName): Promise<StoredCheckpoint[]> {
    return (this.read('SELECT * FROM ledger_checkpoints WHERE org_id = ? AND log = ? ORDER BY tree_size').all(orgId, log) as Record<string, unknown>[]).map(
      checkpointFromRow,
    );
  }

  async ledgerLeafIndex(orgId: string, log: LogName, recordId: string): Promise<number | null> {
    const row =
      log === 'audit'
        ? (this.read('SELECT seq - 1 AS i FROM audit_events WHERE org_id = ? AND id = ?').get(orgId, recordId) as { i: number } | undefined)
        : (this.read('SELECT min(leaf_index) AS i FROM ledger_usage_leaves WHERE org_id = ? AND record_id = ?').get(orgId, recordId) as
            | { i: number | null }
            | undefined);
    return row?.i ?? null;
  }

  async ledgerUsageLeafIndexes(orgId: string, recordIds: string[]): Promise<Map<string, number>> {
    if (recordIds.length === 0) return new Map();
    const rows = this.read(
      'SELECT record_id, min(leaf_index) AS i FROM ledger_usage_leaves WHERE org_id = ? AND record_id IN (SELECT value FROM json_each(?)) GROUP BY record_id',
    ).all(orgId, JSON.stringify(recordIds)) as { record_id: string; i: number }[];
    return new Map(rows.map((r) => [r.record_id, r.i]));
  }

  async ledgerLeaves(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeaf[]> {
    if (log === 'audit') {
      const rows = this.read('SELECT seq, id, body FROM audit_events WHERE org_id = ? AND seq > ? AND seq <= ? ORDER BY seq').all(orgId, from, to) as {
        seq: number;
        id: string;
        body: string;
      }[];
      return rows.map((r) => ({ leafIndex: r.seq - 1, recordId: r.id, data: auditLeafData(r.body) }));
    }
    const usage = this.read(
      `SELECT l.leaf_index, l.kind, l.record_id, ${USAGE_LEAF_COLUMNS_V9.join(', ')} FROM ledger_usage_leaves l
       LEFT JOIN usage_records r ON r.org_id = l.org_id AND r.kind = l.kind AND r.created_at = l.created_at AND r.id = l.record_id
       WHERE l.org_id = ? AND l.leaf_index >= ? AND l.leaf_index < ? AND l.kind <> 'cost'`,
    ).all(orgId, from, to) as LeafRow[];
    const costs = this.read(
      `SELECT l.leaf_index, l.kind, l.record_id, ${COST_LEAF_COLUMNS.join(', ')} FROM ledger_usage_leaves l
       LEFT JOIN cost_entries c ON c.org_id = l.org_id AND c.id = l.record_id
       WHERE l.org_id = ? AND l.leaf_index >= ? AND l.leaf_index < ? AND l.kind = 'cost'`,
    ).all(orgId, from, to) as LeafRow[];
    return leavesOf([...usage, ...costs]);
  }

  async ledgerRecordCount(orgId: string, log: LogName): Promise<number> {
    const sql =
      log === 'audit'
        ? 'SELECT count(*) AS n FROM audit_events WHERE org_id = @org'
        : 'SELECT (SELECT count(*) FROM usage_records WHERE org_id = @org) + (SELECT count(*) FROM cost_entries WHERE org_id = @org) AS n';
    return (this.read(sql).get({ org: orgId }) as { n: number }).n;
  }

  async ledgerUnloggedRecords(orgId: string, log: LogName): Promise<{ recordId: string; where: string }[]> {
    // Audit leaves are read by seq > 0; usage leaves through ledger_usage_leaves.
    const sql = log === 'audit' ? "SELECT id, 'seq ' || seq AS at FROM audit_events WHERE org_id = @org AND seq < 1" : UNLOGGED_USAGE_SQL('@org');
    return (this.read(sql).all({ org: orgId }) as { id: string; at: string }[]).map((r) => ({ recordId: r.id, where: r.at }));
  }

  async retentionPolicies(orgId?: string): Promise<RetentionPolicy[]> {
    const rows =
      orgId === undefined
        ? this.read('SELECT * FROM retention_policies ORDER BY org_id, log').all()
        : this.read('SELECT * FROM retention_policies WHERE org_id = ? ORDER BY log').all(orgId);
    return (rows as Record<string, unknown>[]).map(retentionFromRow);
  }

  async ledgerPrunes(orgId: string, log: LogName): Promise<StoredPrune[]> {
    const rows = this.read('SELECT * FROM ledger_prunes WHERE org_id = ? AND log = ? ORDER BY pruned_size').all(orgId, log);
    return (rows as Record<string, unknown>[]).map(pruneFromRow);
  }

  async ledgerFirstLeafSince(orgId: string, log: LogName, from: number, cutoff: number): Promise<number | null> {
    // Walks leaf order from `from`: it stops at the first record retention must keep.
    const row =
      log === 'audit'
        ? (this.read('SELECT seq - 1 AS i FROM audit_events WHERE org_id = ? AND seq > ? AND effective_at >= ? ORDER BY seq LIMIT 1').get(
            orgId,
            from,
            cutoff,
          ) as { i: number } | undefined)
        : (this.read(
            'SELECT leaf_index AS i FROM ledger_usage_leaves WHERE org_id = ? AND leaf_index >= ? AND created_at >= ? ORDER BY leaf_index LIMIT 1',
          ).get(orgId, from, cutoff) as { i: number } | undefined);
    return row ? row.i : null;
  }

  async ledgerLeafTexts(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeafText[]> {
    if (log !== 'audit') return (await this.ledgerLeaves(orgId, log, from, to)).map((l) => ({ leafIndex: l.leafIndex, recordId: l.recordId, text: l.data }));
    const rows = this.read(
      'SELECT seq - 1 AS leafIndex, id AS recordId, body AS text FROM audit_events WHERE org_id = ? AND seq > ? AND seq <= ? ORDER BY seq',
    ).all(orgId, from, to) as LedgerLeafText[];
    return rows;
  }

  async ledgerLeafBytes(orgId: string, log: LogName, from: number, to: number): Promise<PackedLeaves> {
    if (log !== 'audit') return packLeafTexts(await this.ledgerLeafTexts(orgId, log, from, to));
    // One row for the page: the seqs and byte lengths as text, the bodies concatenated as one blob (no object per record).
    // The aggregates take the rows as the ordered subquery yields them (a primary key scan, no sort;
    // an ORDER BY inside each aggregate would sort the page three times, doubling the read's cost).
    // The seqs are checked to ascend all the same, and a page that does not is read row by row.
    const page = this.read(
      `SELECT count(*) AS n, coalesce(group_concat(seq, ','), '') AS seqs,
         coalesce(group_concat(length(CAST(body AS BLOB)), ','), '') AS lengths,
         CAST(coalesce(group_concat(body, ''), '') AS BLOB) AS bytes
       FROM (SELECT seq, body FROM audit_events WHERE org_id = ? AND seq > ? AND seq <= ? ORDER BY seq)`,
    ).get(orgId, from, to) as { n: number; seqs: string; lengths: string; bytes: Buffer };
    const leafIndex = new Float64Array(page.n);
    const offsets = new Uint32Array(page.n + 1);
    let k = 0;
    for (const v of integersOf(page.seqs)) {
      if (k > 0 && v - 1 <= (leafIndex[k - 1] as number)) return packLeafTexts(await this.ledgerLeafTexts(orgId, log, from, to));
      leafIndex[k++] = v - 1;
    }
    k = 0;
    let at = 0;
    for (const v of integersOf(page.lengths)) {
      offsets[k++] = at;
      at += v;
    }
    offsets[page.n] = at;
    // Text SQLite does not concatenate byte for byte (a NUL written behind orgledger's back): read it row by row.
    if (at !== page.bytes.length) return packLeafTexts(await this.ledgerLeafTexts(orgId, log, from, to));
    return { count: page.n, leafIndex, offsets, bytes: page.bytes };
  }

  async readLedgerHashRange(orgId: string, log: LogName, from: number, to: number): Promise<StoredHashRange> {
    // The whole range as one hex string (one decode, no row objects) when every row is there and well formed.
    const whole = this.read(
      // In the order of the subquery's primary key scan (an ORDER BY inside group_concat would sort the range again).
      "SELECT count(*) AS n, coalesce(group_concat(hash, ''), '') AS hex FROM (SELECT hash FROM ledger_hashes WHERE org_id = ? AND log = ? AND idx >= ? AND idx < ? ORDER BY idx)",
    ).get(orgId, log, from, to) as { n: number; hex: string };
    if (whole.n === to - from && whole.hex.length === (to - from) * 64) {
      const hashes = Buffer.from(whole.hex, 'hex');
      if (hashes.length === (to - from) * 32) return { hashes, present: new Uint8Array(to - from).fill(1) };
    }
    const hashes = Buffer.alloc((to - from) * 32);
    const present = new Uint8Array(to - from);
    const stmt = this.read('SELECT idx, hash FROM ledger_hashes WHERE org_id = ? AND log = ? AND idx >= ? AND idx < ? ORDER BY idx /* range */').raw(true);
    for (const [idx, hash] of stmt.all(orgId, log, from, to) as [number, string][]) {
      hashes.write(hash, (idx - from) * 32, 32, 'hex');
      present[idx - from] = 1;
    }
    return { hashes, present };
  }
}

export class SqliteLedgerWrites implements LedgerWrites {
  private readonly insert;
  constructor(private readonly db: DB) {
    this.insert = db.prepare('INSERT OR IGNORE INTO ledger_checkpoints (org_id, log, tree_size, root_hash, signed_at, note) VALUES (?, ?, ?, ?, ?, ?)');
  }
  async insertCheckpoints(checkpoints: StoredCheckpoint[]): Promise<void> {
    for (const c of checkpoints) this.insert.run(c.orgId, c.log, c.treeSize, c.rootHash, c.signedAt, c.note);
  }

  async setRetention(orgId: string, log: LogName, seconds: number | null, at: number): Promise<void> {
    if (seconds === null) this.db.prepare('DELETE FROM retention_policies WHERE org_id = ? AND log = ?').run(orgId, log);
    else
      this.db
        .prepare(
          'INSERT INTO retention_policies (org_id, log, seconds, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (org_id, log) DO UPDATE SET seconds = excluded.seconds, updated_at = excluded.updated_at',
        )
        .run(orgId, log, seconds, at);
  }

  async pruneLedger(prune: StoredPrune, from: number): Promise<number> {
    const { orgId, prunedSize: to } = prune;
    let deleted = 0;
    if (prune.log === 'audit') {
      // leaf i is seq i + 1
      this.db.prepare('DELETE FROM audit_event_actors WHERE org_id = ? AND seq > ? AND seq <= ?').run(orgId, from, to);
      deleted = this.db.prepare('DELETE FROM audit_events WHERE org_id = ? AND seq > ? AND seq <= ?').run(orgId, from, to).changes;
    } else {
      const leaves = 'SELECT kind, record_id, created_at FROM ledger_usage_leaves WHERE org_id = @org AND leaf_index >= @from AND leaf_index < @to';
      const range = { org: orgId, from, to };
      deleted += this.db
        .prepare(
          `DELETE FROM usage_records WHERE org_id = @org AND (kind, id, created_at) IN (SELECT kind, record_id, created_at FROM (${leaves}) WHERE kind <> 'cost')`,
        )
        .run(range).changes;
      deleted += this.db
        .prepare(`DELETE FROM cost_entries WHERE org_id = @org AND id IN (SELECT record_id FROM (${leaves}) WHERE kind = 'cost')`)
        .run(range).changes;
    }
    this.db
      // Two processes applying the same chunk at once store one record.
      .prepare('INSERT OR IGNORE INTO ledger_prunes (org_id, log, pruned_size, pruned_at, note) VALUES (?, ?, ?, ?, ?)')
      .run(orgId, prune.log, prune.prunedSize, prune.prunedAt, prune.note);
    return deleted;
  }
}

/** The integers of a comma-separated list (group_concat output), without splitting it into strings. */
function* integersOf(list: string): Generator<number> {
  let v = 0;
  let any = false;
  for (let i = 0; i < list.length; i++) {
    const c = list.charCodeAt(i);
    if (c === 44) {
      yield v;
      v = 0;
      any = false;
    } else {
      v = v * 10 + (c - 48);
      any = true;
    }
  }
  if (any) yield v;
}

/** Migration 6's backfill: the logs of rows stored before the ledger existed (audit in seq order). */
export function backfillLedgerSqlite(db: DB): void {
  const append = ledgerAppender(db);
  const orgs = db.prepare('SELECT id FROM organizations ORDER BY id').all() as { id: string }[];
  const events = db.prepare('SELECT seq, body FROM audit_events WHERE org_id = ? AND seq > ? ORDER BY seq LIMIT 10000');
  const records = db.prepare('SELECT kind, id, created_at FROM usage_records WHERE org_id = ? ORDER BY created_at, kind, id');
  const entries = db.prepare('SELECT id, created_at FROM cost_entries WHERE org_id = ? ORDER BY created_at, id');
  for (const { id: orgId } of orgs) {
    for (let after = 0; ; ) {
      const page = events.all(orgId, after) as { seq: number; body: string }[];
      if (page.length === 0) break;
      append.audit(orgId, page);
      after = (page[page.length - 1] as { seq: number }).seq;
    }
    // Leaf data comes from the same row mapping `verify` uses.
    const refs = [
      ...(records.all(orgId) as { kind: string; id: string; created_at: number }[]),
      ...(entries.all(orgId) as { id: string; created_at: number }[]).map((e) => ({ kind: 'cost', id: e.id, created_at: e.created_at })),
    ];
    const dataOf = backfillLeafData(db);
    append.usage(
      orgId,
      refs.map((r) => ({ kind: r.kind, recordId: r.id, createdAt: r.created_at, data: dataOf(orgId, r.kind, r.id, r.created_at) })),
    );
  }
}

function backfillLeafData(db: DB) {
  const record = db.prepare(
    `SELECT -1 AS leaf_index, r.kind, r.id AS record_id, ${USAGE_LEAF_COLUMNS.join(', ')} FROM usage_records r WHERE r.org_id = ? AND r.kind = ? AND r.created_at = ? AND r.id = ?`,
  );
  const entry = db.prepare(
    `SELECT -1 AS leaf_index, 'cost' AS kind, c.id AS record_id, ${COST_LEAF_COLUMNS.join(', ')} FROM cost_entries c WHERE c.org_id = ? AND c.id = ?`,
  );
  return (orgId: string, kind: string, id: string, createdAt: number): string => {
    const row = (kind === 'cost' ? entry.get(orgId, id) : record.get(orgId, kind, createdAt, id)) as LeafRow;
    return usageLeafFromRow(row) as string;
  };
}
