/**
 * Group commit, engine-neutral: concurrent writes queue here and share one transaction. Each write runs
 * inside its own savepoint, so a write that throws (a 409, a constraint) is rolled back alone while
 * its neighbours commit. Every caller is answered only after the shared COMMIT returns: an
 * acknowledged write is durable, and a failed COMMIT fails every write in the batch.
 *
 * Commits grow with the load: a caller may announce a write before it is ready to queue it
 * (`expect()`: the HTTP layer does so while a write request's body is still being read and parsed).
 * A batch about to start while announced writes are outstanding waits for them (until each is queued
 * or given up, the batch is full, or the wait bound has passed), so the requests that arrive during a
 * commit share the next one instead of each paying its own COMMIT. The bound follows the work: as long
 * as the previous batch took (BEGIN to COMMIT), within [minWaitMs, maxWaitMs], so a write waits at
 * most about one commit's time for neighbours that save a commit each. With nothing announced (an
 * idle server, one client) a batch starts at once, as before.
 */
export interface TransactionDriver<Tx> {
  begin(): Promise<Tx>;
  savepoint(tx: Tx): Promise<void>;
  release(tx: Tx): Promise<void>;
  rollbackToSavepoint(tx: Tx): Promise<void>;
  commit(tx: Tx): Promise<void>;
  rollback(tx: Tx): Promise<void>;
}

interface Job<Tx> {
  work: (tx: Tx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

export interface GroupCommitStats {
  batches: number;
  jobs: number;
  lastBatchJobs: number;
  /** Batches that waited for announced writes before starting. */
  waits: number;
  /** Writes announced by expect() and not yet released, now. */
  announced: number;
}

export interface GatherBounds {
  /** The wait bound when the previous batch was quicker than this. */
  minWaitMs: number;
  /** The longest any batch waits for announced writes; 0 never waits. */
  maxWaitMs: number;
}

export const DEFAULT_GATHER: GatherBounds = { minWaitMs: 5, maxWaitMs: 250 };
/** Never wait (PostgreSQL: its commits leave the event loop free, so batches gather by themselves). */
export const NO_GATHER: GatherBounds = { minWaitMs: 0, maxWaitMs: 0 };

export class GroupCommitter<Tx> {
  private queue: Job<Tx>[] = [];
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Ends the wait of a batch gathering announced writes, if one is waiting. */
  private wake: (() => void) | undefined;
  readonly stats: GroupCommitStats = { batches: 0, jobs: 0, lastBatchJobs: 0, waits: 0, announced: 0 };

  constructor(
    private readonly driver: TransactionDriver<Tx>,
    private readonly maxJobsPerBatch: number,
    /** Mutable so a bench can turn gathering off (maxWaitMs 0) for an A/B run in one process. */
    public gatherBounds: GatherBounds = DEFAULT_GATHER,
  ) {}

  /** Milliseconds the previous batch took, BEGIN to COMMIT. */
  private lastBatchMs = 0;

  /**
   * Announces a write that will be queued soon; call the returned function (idempotent) once it is
   * queued or will not be. A batch gathers while announced writes are outstanding, never longer than
   * the gather bounds.
   */
  expect(): () => void {
    this.stats.announced++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.stats.announced--;
      // The releasing request queues its write in the microtasks that follow (its handler): the
      // batch starts after them, in the next check phase.
      if (this.stats.announced === 0 && this.wake) setImmediate(() => this.endWait());
    };
  }

  pending(): number {
    return this.queue.length;
  }

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.wake && this.queue.length >= this.maxJobsPerBatch) this.endWait();
      if (!this.running) {
        this.running = true;
        // setImmediate lets requests already read from sockets join this batch.
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Stops accepting writes and resolves once everything queued has committed. */
  async close(): Promise<void> {
    this.closed = true;
    this.endWait();
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      if (this.stats.announced > 0 && this.gatherBounds.maxWaitMs > 0 && !this.closed && this.queue.length < this.maxJobsPerBatch) await this.gather();
      const jobs = this.queue.splice(0, this.maxJobsPerBatch);
      const started = performance.now();
      await this.runBatch(jobs);
      this.lastBatchMs = performance.now() - started;
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Waits until no announced write is outstanding, the batch is full, the store closes, or the bound passes. */
  private gather(): Promise<void> {
    this.stats.waits++;
    return new Promise<void>((resolve) => {
      const { minWaitMs, maxWaitMs } = this.gatherBounds;
      const timer = setTimeout(() => this.endWait(), Math.min(maxWaitMs, Math.max(minWaitMs, this.lastBatchMs)));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private endWait(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async runBatch(jobs: Job<Tx>[]): Promise<void> {
    const outcomes: { ok: boolean; value: unknown }[] = [];
    let tx: Tx;
    try {
      tx = await this.driver.begin();
    } catch (err) {
      for (const job of jobs) job.reject(err);
      return;
    }
    try {
      for (const job of jobs) {
        await this.driver.savepoint(tx);
        try {
          const value = await job.work(tx);
          await this.driver.release(tx);
          outcomes.push({ ok: true, value });
        } catch (err) {
          // An engine may end the whole transaction on some failures (SQLite on a full disk, with no
          // statement journal to undo just the statement): the savepoint is gone, so the batch fails
          // with the job's own error, which says why (a full disk answers 503, not a 500).
          await this.driver.rollbackToSavepoint(tx).catch(() => {
            throw err;
          });
          outcomes.push({ ok: false, value: err });
        }
      }
      await this.driver.commit(tx);
    } catch (err) {
      await this.driver.rollback(tx).catch(() => undefined);
      for (const job of jobs) job.reject(err);
      return;
    }
    this.stats.batches++;
    this.stats.jobs += jobs.length;
    this.stats.lastBatchJobs = jobs.length;
    jobs.forEach((job, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown };
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.value);
    });
  }
}
