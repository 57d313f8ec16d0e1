/** The mirror's part of the store: durable per-stream cursors. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { SyncCursor, SyncLock } from './types.js';

export interface SyncReads {
  listSyncCursors(orgId: string): Promise<SyncCursor[]>;
  /** The organization's sync lock, held or stale (null: none). */
  getSyncLock(orgId: string): Promise<SyncLock | null>;
}

export interface SyncWrites {
  /** Inserts or replaces the stream's cursor, in the same transaction as the records it covers. */
  putSyncCursor(cursor: SyncCursor): Promise<void>;
  findSyncLock(orgId: string): Promise<SyncLock | null>;
  /**
   * Writes `lock` if there is none, or if the current one's owner is `replacing` (a holder found stale
   * or dead). False when another holder got there first; atomic on both engines.
   */
  takeSyncLock(lock: SyncLock, replacing: string | null): Promise<boolean>;
  /** Moves the holder's expiry on; false when the lock is no longer this owner's. */
  renewSyncLock(orgId: string, owner: string, expiresAt: number): Promise<boolean>;
  releaseSyncLock(orgId: string, owner: string): Promise<void>;
}

/** The store the sync service needs. */
export interface SyncStore extends Writer<{ sync: SyncWrites }> {
  readonly sync: SyncReads;
}
