/**
 * A SQLite reader worker (node:worker_threads): its own read-only connection on the store's WAL file,
 * answering the heavy reads (usage, costs, audit lists) the pool sends it, so a long query runs on
 * this thread and never on the event loop. Messages: 'ready' once the connection is open, then
 * { id, part, method, args } in and { id, value } or { id, error } out. The pool stops a worker that runs past the time budget and starts another.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { SqliteAuditReads } from './audit-store.js';
import { openConnection } from './sqlite-store.js';
import { UsageReader } from './usage-store.js';

export interface ReaderWorkerData {
  path: string;
}

export interface ReadRequest {
  id: number;
  part: ReadPart;
  method: string;
  args: unknown[];
}

export type ReadPart = 'usage' | 'audit';

export type ReadReply = { id: number; value: unknown } | { id: number; error: { message: string; name: string; code?: string } };

/** The reads of one connection, by part; the pool sends only methods of these. */
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
  return { usage: new UsageReader(read), audit: new SqliteAuditReads(read) };
}

/** Serves reads on this thread's port; `beforeRead` lets a test hold a read (test/helpers/gated-reader-worker.ts). */
export function serveReads(beforeRead?: (request: ReadRequest) => void): void {
  const port = parentPort;
  if (!port) throw new Error('reader-worker.ts runs as a worker thread');
  const db = openConnection((workerData as ReaderWorkerData).path, true);
  const parts = readersOn(db);
  port.on('message', async (request: ReadRequest) => {
    let reply: ReadReply;
    try {
      beforeRead?.(request);
      const target = parts[request.part] as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const fn = target[request.method];
      if (typeof fn !== 'function') throw new Error(`no read ${request.part}.${request.method}`);
      reply = { id: request.id, value: await fn.apply(target, request.args) };
    } catch (err) {
      const e = err as { message?: string; name?: string; code?: unknown };
      reply = {
        id: request.id,
        error: { message: String(e?.message ?? err), name: String(e?.name ?? 'Error'), ...(typeof e?.code === 'string' ? { code: e.code } : {}) },
      };
    }
    port.postMessage(reply);
  });
  port.postMessage('ready');
}

// Started as a worker by the pool: serve. A test's worker module (workerData.custom) imports this file and calls serveReads itself.
if (parentPort && (workerData as Partial<ReaderWorkerData> | undefined)?.path && !(workerData as { custom?: boolean }).custom) serveReads();
