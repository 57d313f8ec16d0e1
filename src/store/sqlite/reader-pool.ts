/**
 * A small pool of SQLite reader worker threads (reader-worker.ts), each with its own read-only
 * connection on the WAL file. Heavy reads are queued here and run on a worker, so however long a
 * query takes, the event loop keeps acknowledging writes and answering health and other tenants.
 * Each read has a time budget from the moment a worker takes it: past it the caller gets a
 * ReadTimeoutError (503 query_timeout) at once and the worker is terminated and replaced (SQLite has
 * no statement timeout that better-sqlite3 exposes; the stopped thread ends when V8 next runs its
 * JavaScript). Workers start on first use and do not keep the process alive.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ReadTimeoutError } from '../read-timeout.js';
import type { ReaderWorkerData, ReadPart, ReadReply, ReadRequest } from './reader-worker.js';

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

const here = new URL(import.meta.url);
/** Run from TypeScript source (tsx, vitest): the worker loads tsx first; from dist/ it is plain JS. */
const fromSource = here.pathname.endsWith('.ts');

function startWorker(module: URL, data: ReaderWorkerData & Record<string, unknown>): Worker {
  if (!fromSource) return new Worker(module, { workerData: data });
  // tsx's ESM API (dist/esm/api/index.mjs beside the CommonJS entry require resolves) registers its loader in this worker.
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}); }).catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

export class ReaderPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers stopped at their budget (a figure for tests and metrics). */
  timedOut = 0;

  constructor(private readonly options: ReaderPoolOptions) {}

  run<T>(part: ReadPart, method: string, args: unknown[]): Promise<T> {
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
    const module = this.options.module ?? new URL(fromSource ? './reader-worker.ts' : './reader-worker.js', import.meta.url);
    const worker = startWorker(module, { ...this.options.data, path: this.options.path });
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
      if ('error' in reply) job.reject(Object.assign(new Error(reply.error.message), reply.error));
      else job.resolve(reply.value);
      this.dispatch();
    });
    const lost = (err: unknown) => {
      if (!this.remove(slot)) return;
      const error = err instanceof Error ? err : new Error(`a SQLite reader worker stopped (${String(err)})`);
      slot.job?.reject(error);
      // A worker that cannot even start (the file is gone, the module fails) would fail its successors too.
      if (!slot.ready) for (const job of this.queue.splice(0)) job.reject(error);
      this.dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`a SQLite reader worker exited with code ${code}`)));
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
