/**
 * A small pool of worker threads (node:worker_threads) that answer reads the main thread must not
 * run itself: SQLite's heavy reads (sqlite/reader-worker.ts) and, on both engines, whole usage and
 * costs pages (page-reads.ts). A read is sent as data (`{ id, part, method, args }`), never as a
 * closure. Each read has a time budget from the moment a worker takes it: past it the caller gets a
 * ReadTimeoutError (503 query_timeout) at once and the worker is terminated and replaced (the stopped
 * thread ends when V8 next runs its JavaScript). Workers start on first use and do not keep the
 * process alive. The worker side of the protocol is serveParts (worker-protocol.ts).
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../lib/start-worker.js';
import { ReadTimeoutError } from './read-timeout.js';
import { errorFromReply, type ReadReply, type ReadRequest } from './worker-protocol.js';

export interface WorkerPoolOptions {
  /** Worker threads, at most (reads beyond wait in the queue). */
  size: number;
  /** Time budget of one read in ms; 0: none. */
  budgetMs: number;
  /** The module a worker runs (a `.ts` one from source, the compiled `.js` from dist/). */
  module: URL;
  /** workerData for that module. */
  data: Record<string, unknown>;
}

interface Job {
  request: ReadRequest;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Its connection is open (the budget starts when a ready worker takes a read, not at its start-up). */
  ready: boolean;
  job?: Job;
  timer?: NodeJS.Timeout;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers stopped at their budget (a figure for tests and metrics). */
  timedOut = 0;

  constructor(private readonly options: WorkerPoolOptions) {}

  run<T>(part: string, method: string, args: unknown[]): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ request: { id: this.nextId++, part, method, args }, resolve: resolve as (v: unknown) => void, reject });
      this.dispatch();
    });
  }

  /** Reads running on a worker now. */
  running(): number {
    return this.slots.filter((s) => s.job).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('the store is closed'));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      s.job?.reject(new Error('the store is closed'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => s.ready && !s.job);
      if (!slot) {
        // A worker starting up takes the next read when ready; start one more while the pool is not full.
        const starting = this.slots.filter((s) => !s.ready).length;
        if (starting < this.queue.length && this.slots.length < Math.max(1, this.options.size)) this.spawn();
        return;
      }
      const job = this.queue.shift() as Job;
      slot.job = job;
      const budget = this.options.budgetMs;
      if (budget > 0) slot.timer = setTimeout(() => this.expire(slot as Slot), budget);
      slot.worker.postMessage(job.request);
    }
  }

  private spawn(): Slot {
    const worker = startWorker(this.options.module, this.options.data);
    worker.unref();
    const slot: Slot = { worker, ready: false };
    worker.on('message', (reply: ReadReply | 'ready') => {
      if (reply === 'ready') {
        slot.ready = true;
        this.dispatch();
        return;
      }
      const job = slot.job;
      if (!job || job.request.id !== reply.id) return;
      this.finish(slot);
      if ('error' in reply) job.reject(errorFromReply(reply.error));
      else job.resolve(reply.value);
      this.dispatch();
    });
    const lost = (err: unknown) => {
      if (!this.remove(slot)) return;
      const error = err instanceof Error ? err : new Error(`a reader worker stopped (${String(err)})`);
      slot.job?.reject(error);
      // A worker that cannot even start (the file is gone, the module fails) would fail its successors too.
      if (!slot.ready) for (const job of this.queue.splice(0)) job.reject(error);
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a reader worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  /** Past the budget: answer the caller now, stop the worker, let the next read start a fresh one. */
  private expire(slot: Slot): void {
    const job = slot.job;
    if (!job || !this.remove(slot)) return;
    this.timedOut++;
    job.reject(new ReadTimeoutError(this.options.budgetMs));
    void slot.worker.terminate();
    this.dispatch();
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
  }

  private remove(slot: Slot): boolean {
    const i = this.slots.indexOf(slot);
    if (i < 0) return false;
    this.slots.splice(i, 1);
    if (slot.timer) clearTimeout(slot.timer);
    return true;
  }
}
