/** The ledger's part of the store: stored hashes, checkpoints and the leaf -> record mapping. */
import type { Writer } from '../../lib/writer.js';
import type { LogName } from './leaf-data.js';

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
  /** Leaves [from, to) in leaf order as `verify` reads them (a missing record is skipped). */
  ledgerLeafTexts(orgId: string, log: LogName, from: number, to: number): Promise<LedgerLeafText[]>;
  /** Every stored hash with a stored index in [from, to) (one range scan; verify walks the log with it). */
  readLedgerHashRange(orgId: string, log: LogName, from: number, to: number): Promise<StoredHashRange>;
}

export interface LedgerWrites {
  insertCheckpoints(checkpoints: StoredCheckpoint[]): Promise<void>;
}

export interface LedgerStore extends Writer<{ ledger: LedgerWrites }> {
  readonly ledger: LedgerReads;
}
