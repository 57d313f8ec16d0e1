/**
 * What both engines' stores share: writes go through a group committer, whose backlog and stats the
 * app reports, and close is idempotent (signal handler, readiness tests and app hooks may all ask).
 */
import type { GatherBounds, GroupCommitter } from './group-commit.js';

export abstract class CommittingStore<Tx> {
  protected abstract readonly committer: GroupCommitter<Tx>;
  private closing: Promise<void> | undefined;

  pendingWrites(): number {
    return this.committer.pending();
  }

  /** Announces a write about to be queued (see GroupCommitter.expect); call the result when it is queued or will not be. */
  expectWrite(): () => void {
    return this.committer.expect();
  }

  /** How long a batch may wait for announced writes; `{ minWaitMs: 0, maxWaitMs: 0 }` turns gathering off (bench A/B). */
  setGatherBounds(bounds: GatherBounds): void {
    this.committer.gatherBounds = bounds;
  }

  get commitStats() {
    return this.committer.stats;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Runs once, on the first close(). */
  protected abstract shutdown(): Promise<void>;
}
