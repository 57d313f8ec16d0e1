/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * crosses its threshold (1000 pages by default), on the writer connection, on the main thread: it
 * copies the WAL into the database file and fsyncs it while no request is parsed or answered (bench:
 * ~14% of the server's CPU per audit event, all of it blocking). Here a worker thread with its own
 * connection runs PASSIVE checkpoints (they never block the writer or readers), one at a time, at
 * most every `intervalMs` while commits keep coming. The writer keeps a larger automatic checkpoint as a
 * backstop, so the WAL stays bounded if the worker lags or fails; durability is unchanged (a commit
 * is durable once its WAL frames are synced, before any checkpoint).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Plain JavaScript (no loader in a worker): open the file, checkpoint on request, report back. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('synchronous = ' + workerData.synchronous);
parentPort.on('message', (msg) => {
  if (msg === 'close') { db.close(); parentPort.close(); return; }
  let error = null;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { error = String(err && err.message || err); }
  parentPort.postMessage({ error });
});
`;

export interface CheckpointerOptions {
  path: string;
  synchronous: 'FULL' | 'NORMAL';
  /** The least time between the end of one checkpoint and the request of the next. */
  intervalMs: number;
}

export class WalCheckpointer {
  private worker: Worker | undefined;
  private inFlight = false;
  private closed = false;
  private lastDone = 0;
  /** Checkpoints the worker has completed (and failed), for tests and metrics. */
  readonly stats = { checkpoints: 0, failures: 0, lastError: null as string | null };

  constructor(private readonly options: CheckpointerOptions) {}

  /** Whether a checkpoint is running (or asked for and not yet answered). */
  get busy(): boolean {
    return this.inFlight;
  }

  /** Called after every COMMIT on the writer: asks for a checkpoint when the WAL has grown enough. */
  afterCommit(): void {
    if (this.inFlight || this.closed) return;
    if (performance.now() - this.lastDone < this.options.intervalMs) return;
    this.inFlight = true;
    this.start().postMessage('checkpoint');
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: this.options.path, synchronous: this.options.synchronous, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    worker.unref();
    worker.on('message', (msg: { error: string | null }) => {
      this.inFlight = false;
      this.lastDone = performance.now();
      if (msg.error) {
        this.stats.failures++;
        this.stats.lastError = msg.error;
      } else this.stats.checkpoints++;
    });
    worker.once('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.inFlight = false;
    });
    worker.on('error', (err) => {
      // The writer's own automatic checkpoint still bounds the WAL; a later request starts a new worker.
      this.stats.failures++;
      this.stats.lastError = err.message;
      this.inFlight = false;
      this.worker = undefined;
    });
    this.worker = worker;
    return worker;
  }

  /**
   * Stops the worker after its current checkpoint and closes its connection; a worker that does not
   * exit within 5 s (or has already gone) is terminated, so closing the store never hangs on it.
   */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(
        () =>
          void worker.terminate().then(
            () => resolve(),
            () => resolve(),
          ),
        5000,
      );
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage('close');
    });
  }
}
