/**
 * A SQLite reader worker (node:worker_threads): its own read-only connection on the store's WAL file,
 * answering the heavy reads (usage, costs, audit lists) and building whole usage and costs pages
 * (../page-reads.ts: query, merge, shape, JSON) for the pool, so a long query or a large page runs on
 * this thread and never on the event loop. Messages: ../worker-protocol.ts. The pool stops a worker
 * that runs past the time budget and starts another.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { pagesOver } from '../page-reads.js';
import { type ReadRequest, serveParts } from '../worker-protocol.js';
import { SqliteAuditReads } from './audit-store.js';
import { openConnection } from './sqlite-store.js';
import { UsageReader } from './usage-store.js';

export type { ReadReply, ReadRequest } from '../worker-protocol.js';

export interface ReaderWorkerData {
  path: string;
}

export type ReadPart = 'usage' | 'audit';

/** The reads of one connection, by part; the pool sends only methods of these (part usage also builds pages). */
export function readersOn(db: Database.Database): Record<ReadPart, object> {
  const cache = new Map<string, Database.Statement>();
  const read = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
  const usage = new UsageReader(read);
  return { usage: Object.assign(usage, pagesOver(usage)), audit: new SqliteAuditReads(read) };
}

/** Serves reads on this thread's port; `beforeRead` lets a test hold a read (test/helpers/gated-reader-worker.ts). */
export function serveReads(beforeRead?: (request: ReadRequest) => void): void {
  const port = parentPort;
  if (!port) throw new Error('reader-worker.ts runs as a worker thread');
  const db = openConnection((workerData as ReaderWorkerData).path, true);
  serveParts(port, readersOn(db), beforeRead);
}

// Started as a worker by the pool: serve. A test's worker module (workerData.custom) imports this file and calls serveReads itself.
if (parentPort && (workerData as Partial<ReaderWorkerData> | undefined)?.path && !(workerData as { custom?: boolean }).custom) serveReads();
