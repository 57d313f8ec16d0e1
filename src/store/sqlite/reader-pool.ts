/**
 * The SQLite reader workers (reader-worker.ts): a WorkerPool (../worker-pool.ts) whose workers each
 * open their own read-only connection on the store's WAL file. Heavy reads, and whole usage and costs
 * pages, are queued here and run on a worker, so however long a query takes, the event loop keeps
 * acknowledging writes and answering health and other tenants. Past the time budget the caller gets a
 * ReadTimeoutError (503 query_timeout) and the worker is terminated and replaced (SQLite has no
 * statement timeout that better-sqlite3 exposes).
 */
import { workerModule } from '../../lib/start-worker.js';
import { WorkerPool } from '../worker-pool.js';

export interface ReaderPoolOptions {
  path: string;
  /** Worker threads, at most (reads beyond wait in the queue). */
  size: number;
  /** Time budget of one read in ms; 0: none. */
  budgetMs: number;
  /** The module a worker runs (a test may hold reads in its own); defaults to reader-worker. */
  module?: URL;
  /** Extra workerData for that module. */
  data?: Record<string, unknown>;
}

export class ReaderPool extends WorkerPool {
  constructor(options: ReaderPoolOptions) {
    super({
      size: options.size,
      budgetMs: options.budgetMs,
      module: options.module ?? workerModule('reader-worker', import.meta.url),
      data: { ...options.data, path: options.path },
    });
  }
}
