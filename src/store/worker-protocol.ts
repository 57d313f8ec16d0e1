/**
 * The messages between a WorkerPool (worker-pool.ts) and its workers, and the worker's side of them.
 * In: { id, part, method, args }; out: 'ready' once the worker can read, then { id, value } or
 * { id, error }. A value that is a Uint8Array (a serialised page) is transferred, not copied. Errors
 * cross as data and are rebuilt on the main thread as the classes the error handler answers: an
 * ApiError keeps its status and envelope, a ReadTimeoutError its budget, any other error its name
 * and code (SQLITE_FULL, a SQLSTATE) so store failures are still recognised.
 */
import { setPriority } from 'node:os';
import type { MessagePort } from 'node:worker_threads';
import { ApiError, type ErrorType } from '../lib/errors.js';
import { ReadTimeoutError } from './read-timeout.js';

export interface ReadRequest {
  id: number;
  part: string;
  method: string;
  args: unknown[];
}

export interface ReplyError {
  message: string;
  name: string;
  code?: string;
  /** A ReadTimeoutError's budget. */
  budgetMs?: number;
  /** An ApiError's fields. */
  api?: { status: number; type: ErrorType; code: string | null; param: string | null; shouldRetry?: boolean; retryAfterSeconds?: number };
}

export type ReadReply = { id: number; value: unknown } | { id: number; error: ReplyError };

export function errorToReply(err: unknown): ReplyError {
  if (err instanceof ApiError) {
    return {
      message: err.message,
      name: err.name,
      api: { status: err.status, type: err.type, code: err.code, param: err.param, shouldRetry: err.shouldRetry, retryAfterSeconds: err.retryAfterSeconds },
    };
  }
  if (err instanceof ReadTimeoutError) return { message: err.message, name: err.name, code: err.code, budgetMs: err.budgetMs };
  const e = err as { message?: string; name?: string; code?: unknown };
  return { message: String(e?.message ?? err), name: String(e?.name ?? 'Error'), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

export function errorFromReply(e: ReplyError): Error {
  if (e.api) return new ApiError(e.api.status, e.api.type, e.api.code, e.message, e.api.param, e.api.shouldRetry, e.api.retryAfterSeconds);
  if (e.budgetMs !== undefined) return new ReadTimeoutError(e.budgetMs);
  return Object.assign(new Error(e.message), { name: e.name, ...(e.code !== undefined ? { code: e.code } : {}) });
}

/**
 * A reader worker's scheduling priority (nice), above the main thread's 0. On Linux nice is per
 * thread, so only this worker yields: when heavy reads keep every core busy, the kernel still runs
 * the event loop (acknowledgements, health, other tenants' small reads) first. Bench fairness.
 */
export const READER_NICE = 10;

/** Serves `parts` on this worker's port; `beforeRead` lets a test hold a read (test/helpers/gated-reader-worker.ts). */
export function serveParts(port: MessagePort, parts: Record<string, object>, beforeRead?: (request: ReadRequest) => void): void {
  try {
    // Raising one's own nice needs no privilege; where it is refused the worker runs at the default.
    setPriority(READER_NICE);
  } catch {
    // not supported here (or not allowed): same priority as the main thread
  }
  port.on('message', async (request: ReadRequest) => {
    let reply: ReadReply;
    let transfer: ArrayBuffer[] = [];
    try {
      beforeRead?.(request);
      const target = parts[request.part] as Record<string, (...args: unknown[]) => Promise<unknown>> | undefined;
      const fn = target?.[request.method];
      if (!target || typeof fn !== 'function') throw new Error(`no read ${request.part}.${request.method}`);
      const value = await fn.apply(target, request.args);
      if (value instanceof Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) transfer = [value.buffer as ArrayBuffer];
      reply = { id: request.id, value };
    } catch (err) {
      reply = { id: request.id, error: errorToReply(err) };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage('ready');
}
