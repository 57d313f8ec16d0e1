/**
 * A PostgreSQL page worker (node:worker_threads): usage and costs pages are queried, merged, shaped
 * and serialised here, on this thread's own small pg pool, so neither the rows' parsing nor the page's
 * JSON runs on the event loop and the main pool's connections stay free for writes, key lookups and
 * health. Each statement has the read budget (statement_timeout in a read-only transaction, as on the
 * main pool). Messages: worker-protocol.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pagesOver } from '../page-reads.js';
import { serveParts } from '../worker-protocol.js';
import { budgetedRows, createPool } from './connection.js';
import { PgUsageReader } from './usage-store.js';

export interface PgPageWorkerData {
  url: string;
  /** Connections of this worker's pool. */
  connections: number;
  /** statement_timeout of each read, ms; 0: none. */
  readTimeoutMs: number;
}

const port = parentPort;
if (!port) throw new Error('page-worker.ts runs as a worker thread');
const data = workerData as PgPageWorkerData;
const pool = createPool({ url: data.url, poolSize: data.connections });
const reader = new PgUsageReader((text, values) => budgetedRows(pool, data.readTimeoutMs, undefined, text, values));
serveParts(port, { usage: pagesOver(reader) });
