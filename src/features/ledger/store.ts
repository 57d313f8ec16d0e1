/** The ledger's part of the store: stored hashes, checkpoints and the leaf -> record mapping. */
import type { Writer } from '../../lib/writer.js';
import type { LogName } from './leaf-data.js';
import type { PackedLeaves } from './packed-leaves.js';

export interface StoredCheckpoint {
  orgId: string;
  log: LogName;
  treeSize: number;
  /** base64 of the RFC 6962 root hash. */
  rootHash: string;
  signedAt: number;
  /** The whole signed note, as served. */
  note: string;
}

export interface LedgerLogState {
  orgId: string;
  log: LogName;
  size: number;
  /** Tree size of the latest checkpoint; 0 when none was signed. */
  checkpointSize: number;
}

/** How long an organization keeps one log's record bodies (`orgledger retention set`). */
export interface RetentionPolicy {
  orgId: string;
  log: LogName;
  seconds: number;
  updatedAt: number;
}

/**
 * A prune retention applied: the records of leaves [0, prunedSize) may be gone, their leaf hashes
 * stay. `note` is signed with the ledger key (retention.ts), so a row deleted behind orgledger's back
 * cannot be passed off as pruned.
 */
export interface StoredPrune {
  orgId: string;
  log: LogName;
  prunedSize: number;
  prunedAt: number;
  note: string;
}

/** One leaf as stored: its record id and its leaf data rebuilt from the record's row. */
export interface LedgerLeaf {
  leafIndex: number;
  recordId: string;
  data: string;
}

/**
 * One leaf as `verify` reads it: for the usage log, its leaf data; for the audit log, the stored body
 * as served, whose leaf data is auditLeafData(text) (verify canonicalizes only when it must).
 */
export interface LedgerLeafText {
  leafIndex: number;
  recordId: string;
  text: string;
}

/** Stored hashes [from, to) of a log: hash i at bytes (i - from) * 32; present[i - from] is 0 where no row is stored. */
export interface StoredHashRange {
  hashes: Buffer;
  present: Uint8Array;
}

export interface LedgerReads {
  /** Every log of every organization (the checkpointer and `verify` walk them). */
  ledgerLogStates(): Promise<LedgerLogState[]>;
  /** Leaves in the log now (committed), 0 for a log that never had one. */
  ledgerLogSize(orgId: string, log: LogName): Promise<number>;
  readLedgerHashes(orgId: string, log: LogName, indexes: number[]): Promise<Map<number, Buffer>>;
  /** The latest checkpoint, or the one of that tree size. */
  ledgerCheckpoint(orgId: string, log: LogName, treeSize?: number): Promise<StoredCheckpoint | null>;
  ledgerCheckpoints(orgId: string, log: LogName): Promise<StoredCheckpoint[]>;
  ledgerLeafIndex(orgId: string, log: LogName, recordId: string): Promise<number | null>;
  /** The usage-log leaf of each of these usage record / cost entry ids that has one (ingest acknowledgements). */
  ledgerUsageLeafIndexes(orgId: string, recordIds: string[]): Promise<Map<string, number>>;
  /** Leaves [from, to) in leaf order, rebuilt from the stored records (a missing record is skipped). */
  ledgerLeaves(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeaf[]>;
  /** How many records of this log are stored, counted in the record tables themselves (not through the leaf index). */
  ledgerRecordCount(orgId: string, log: LogName): Promise<number>;
  /**
   * Stored records that ledgerLeaves cannot reach at any leaf index (e.g. a row forged only in
   * PostgreSQL's partitioned audit_events, with no audit_event_ids row; a usage record with no leaf).
   * `verify` asks only when ledgerRecordCount exceeds the records it found through the leaves.
   */
  ledgerUnloggedRecords(orgId: string, log: LogName): Promise<{ recordId: string; where: string }[]>;
  /** Retention policies, of one organization or of all. */
  retentionPolicies(orgId?: string): Promise<RetentionPolicy[]>;
  /** Every prune of the log, by pruned size. */
  ledgerPrunes(orgId: string, log: LogName): Promise<StoredPrune[]>;
  /**
   * The first leaf at or after `from` whose record is not older than `cutoff` (audit: effective_at,
   * usage: created_at), or null when every stored record from `from` on is older.
   */
  ledgerFirstLeafSince(orgId: string, log: LogName, from: number, cutoff: number): Promise<number | null>;
  /** Leaves [from, to) in leaf order as `verify` reads them (a missing record is skipped). */
  ledgerLeafTexts(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeafText[]>;
  /** ledgerLeafTexts packed into one buffer, without record ids (verify asks for those only where it reports a problem). */
  ledgerLeafBytes(orgId: string, log: LogName, from: number, to: number): Promise<PackedLeaves>;
  /** Every stored hash with a stored index in [from, to) (one range scan; verify walks the log with it). */
  readLedgerHashRange(orgId: string, log: LogName, from: number, to: number): Promise<StoredHashRange>;
}

export interface LedgerWrites {
  insertCheckpoints(checkpoints: StoredCheckpoint[]): Promise<void>;
  /** Sets (seconds) or removes (null) an organization's retention of one log. */
  setRetention(orgId: string, log: LogName, seconds: number | null, at: number): Promise<void>;
  /**
   * Deletes the records of leaves [from, prune.prunedSize) (and their side rows: actor index, id
   * tables) and stores the signed prune, in the write's transaction; the leaf hashes stay. Returns the
   * records deleted.
   */
  pruneLedger(prune: StoredPrune, from: number): Promise<number>;
}

export interface LedgerStore extends Writer<{ ledger: LedgerWrites }> {
  readonly ledger: LedgerReads;
}
