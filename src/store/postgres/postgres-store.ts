/**
 * The PostgreSQL engine: a pg Pool for reads, one pooled client per group-commit batch for writes.
 * Several orgledger processes may share the database: sequence numbers come from a row lock on the
 * organization held until commit, start-up races are settled by advisory locks, and a write that
 * loses a deadlock or a same-id race runs again from the start (its savepoint rolled it back).
 */
import type pg from 'pg';
import type { CostsQuery, UsageQuery } from '../../features/usage/schemas.js';
import type { UsagePages } from '../../features/usage/store.js';
import { workerModule } from '../../lib/start-worker.js';
import { CommittingStore } from '../committing-store.js';
import { GroupCommitter, NO_GATHER } from '../group-commit.js';
import type { Store, WriteTx } from '../store.js';
import { WorkerPool } from '../worker-pool.js';
import { PgAuditReads } from './audit-store.js';
import { budgetedRows, createPool, isRetryableWriteError, storeError, waitForDatabase } from './connection.js';
import { PgKeyReads } from './key-store.js';
import { PgLedgerReads } from './ledger-store.js';
import { PgLiveTailReads } from './live-tail-store.js';
import { PgLogStreamReads } from './log-stream-store.js';
import { migratePostgres, pendingPostgresMigrations } from './migrations.js';
import { MissingPartitionsError, PartitionManager } from './partitions.js';
import { PgSyncReads } from './sync-store.js';
import { PgUsageReader } from './usage-store.js';
import { PgDriver, type PgWriteTx } from './write-tx.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  maxJobsPerBatch: number;
  autoMigrate: boolean;
  /** How long start-up waits for a database that is not answering yet. */
  connectWaitSeconds: number;
  /** Start-up progress (waiting for the database); defaults to stderr. */
  log?: (line: string) => void;
  /** Time budget of one audit-log or usage/costs read (statement_timeout); 0 or unset: none. */
  readTimeoutMs?: number;
  /**
   * Page workers (page-worker.ts), each with one connection of its own, that read, shape and
   * serialise usage and costs pages off the event loop. Their connections come out of poolSize (the
   * main pool keeps at least 2). Default 2, at most half the pool; 0: pages are built on the main thread.
   */
  readers?: number;
}

/** Runs of a write that lost a deadlock or a same-id race before its error is returned. */
const MAX_WRITE_ATTEMPTS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

export class PostgresStore extends CommittingStore<PgWriteTx> implements Store {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly partitions: PartitionManager;
  protected readonly committer: GroupCommitter<PgWriteTx>;
  private readonly ready: Promise<void>;
  private partitionTimer: NodeJS.Timeout | undefined;
  private migrationsApplied = 0;
  /**
   * Heavy reads on the main pool (audit lists; usage and costs when there are no page workers) may
   * hold at most half of its connections; the rest stay free for writes, key lookups and /readyz,
   * which otherwise queued behind 8 looping heavy readers for seconds (bench fairness: /healthz p50
   * 2.3 s, another organization's ingest 15 s). Usage and costs pages run on the page workers'
   * own connections.
   */
  private readonly heavySlots: Slots;
  readonly keys = new PgKeyReads((name, text, values) => this.rows(name, text, values));
  readonly audit = new PgAuditReads((name, text, values) => this.budgetedRows(name, text, values));
  readonly liveTail = new PgLiveTailReads((name, text, values) => this.rows(name, text, values));
  /**
   * Usage and costs read the same rollups: one reader answers both parts. With page workers it also
   * offers usagePage and costsPage, built on a worker over the worker's own connection.
   */
  readonly usage: PgUsageReader & Partial<UsagePages>;
  readonly costs: PgUsageReader & Partial<UsagePages>;
  private readonly pageWorkers: WorkerPool | undefined;
  readonly logStreams = new PgLogStreamReads((name, text, values) => this.rows(name, text, values));
  readonly ledger = new PgLedgerReads((name, text, values) => this.rows(name, text, values));
  readonly sync = new PgSyncReads((name, text, values) => this.rows(name, text, values));

  /** Connects in the background; every call waits for the connection and migrations (see ready()). */
  constructor(readonly options: PostgresOptions) {
    super();
    const readers = Math.max(0, Math.min(options.readers ?? 2, Math.floor(options.poolSize / 2)));
    const mainPoolSize = Math.max(2, options.poolSize - readers);
    this.pool = createPool({ url: options.url, poolSize: mainPoolSize });
    this.heavySlots = new Slots(Math.max(1, Math.floor(mainPoolSize / 2)));
    // No pool-level budget: each statement has statement_timeout in the worker; the rest of a page's work is bounded by its size.
    const workers =
      readers > 0
        ? new WorkerPool({
            size: readers,
            budgetMs: 0,
            module: workerModule('page-worker', import.meta.url),
            data: { url: options.url, connections: 1, readTimeoutMs: options.readTimeoutMs ?? 0 },
          })
        : undefined;
    this.pageWorkers = workers;
    const reader = new PgUsageReader((text, values) => this.budgetedRows(undefined, text, values));
    this.usage = workers
      ? Object.assign(reader, {
          usagePage: async (orgId: string, kind: string, q: UsageQuery, now: number) => {
            await this.ready;
            return workers.run<Uint8Array>('usage', 'usagePage', [orgId, kind, q, now]);
          },
          costsPage: async (orgId: string, q: CostsQuery, now: number) => {
            await this.ready;
            return workers.run<Uint8Array>('usage', 'costsPage', [orgId, q, now]);
          },
        })
      : reader;
    this.costs = this.usage;
    this.partitions = new PartitionManager(this.pool);
    // No waiting for announced writes: a commit here awaits the network, so requests read meanwhile
    // join the next batch anyway; waiting only delayed acknowledgements (ADR 0007, session 8).
    this.committer = new GroupCommitter(new PgDriver(this.pool, this.partitions), options.maxJobsPerBatch, NO_GATHER);
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  /** Resolves once the database answers and the schema is current; rejects with the reason it cannot. */
  async whenReady(): Promise<void> {
    await this.ready;
  }

  /** How many migrations this process applied at start (after the store is ready). */
  async migrated(): Promise<number> {
    await this.ready;
    return this.migrationsApplied;
  }

  private async start(): Promise<void> {
    const log = this.options.log ?? ((line: string) => process.stderr.write(`orgledger: ${line}\n`));
    try {
      await waitForDatabase(this.pool, this.options.url, this.options.connectWaitSeconds, log);
      if (this.options.autoMigrate) this.migrationsApplied = await migratePostgres(this.pool);
      else if ((await pendingPostgresMigrations(this.pool)) > 0) {
        throw new Error('the PostgreSQL store needs migrations; run `orgledger migrate` or start without --no-auto-migrate');
      }
      await this.partitions.createAhead();
    } catch (err) {
      await this.pool.end().catch(() => undefined);
      throw err;
    }
    this.partitionTimer = setInterval(() => void this.partitions.createAhead().catch(() => undefined), DAY_MS);
    this.partitionTimer.unref();
  }

  async write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    await this.ready;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.committer.run(work);
      } catch (err) {
        if (err instanceof MissingPartitionsError && attempt < MAX_WRITE_ATTEMPTS) {
          await this.partitions.create(err.months).catch((e) => {
            throw storeError(e);
          });
          continue;
        }
        if (isRetryableWriteError(err) && attempt < MAX_WRITE_ATTEMPTS) continue;
        throw storeError(err);
      }
    }
  }

  protected async shutdown(): Promise<void> {
    if (this.partitionTimer) clearInterval(this.partitionTimer);
    const started = await this.ready.then(
      () => true,
      () => false,
    );
    await this.pageWorkers?.close();
    await this.committer.close();
    if (started) await this.pool.end();
  }

  /** A read that may be heavy (audit lists; usage and costs without page workers): budgeted, in a heavy slot. */
  private async budgetedRows<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[]): Promise<R[]> {
    const release = await this.heavySlots.take();
    try {
      await this.ready;
      return await budgetedRows<R>(this.pool, this.options.readTimeoutMs ?? 0, name, text, values);
    } finally {
      release();
    }
  }

  /** A read on any pooled connection; fixed statements are prepared once per connection by name. */
  private async rows<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[]): Promise<R[]> {
    await this.ready;
    try {
      const result = await this.pool.query<R>(name ? { name: `orgledger_${name}`, text, values } : { text, values });
      return result.rows;
    } catch (err) {
      throw storeError(err);
    }
  }
}

/** A counting semaphore: take() resolves with a release function once one of `size` slots is free (FIFO). */
class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async take(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
