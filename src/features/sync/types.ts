/** Domain types of the upstream mirror (`orgledger sync`). */

/** The streams mirrored, each with its own durable cursor: audit, costs, and one per usage kind (`usage.<kind>`). */
export type SyncStreamName = string;

/** Where a stream stands: everything before `position` (Unix seconds, exclusive) is mirrored. */
export interface SyncCursor {
  orgId: string;
  stream: SyncStreamName;
  position: number;
  /** When a run last touched the stream (Unix seconds), and its error if it failed. */
  lastRunAt: number;
  lastError: string | null;
  /** Records this stream has added locally, over all runs. */
  records: number;
}

/** The lease of the one process mirroring an organization (`sync_locks`). */
export interface SyncLock {
  orgId: string;
  /** Unique per run: `host:pid:random`. */
  owner: string;
  host: string;
  pid: number;
  acquiredAt: number;
  /** The holder renews this while it runs; past it, the lock may be taken over. */
  expiresAt: number;
}
