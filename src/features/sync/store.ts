/** The mirror's part of the store: durable per-stream cursors. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { SyncCursor } from './types.js';

export interface SyncReads {
  listSyncCursors(orgId: string): Promise<SyncCursor[]>;
}

export interface SyncWrites {
  /** Inserts or replaces the stream's cursor, in the same transaction as the records it covers. */
  putSyncCursor(cursor: SyncCursor): Promise<void>;
}

/** The store the sync service needs. */
export interface SyncStore extends Writer<{ sync: SyncWrites }> {
  readonly sync: SyncReads;
}
