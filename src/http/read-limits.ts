/**
 * Per-key and per-organization concurrency limits for reads: a key may have at most `perKey` reads
 * running at once and an organization at most `perOrg`; one more answers 429 with Retry-After (the
 * openai SDK waits that long and retries). This keeps one tenant's heavy queries from taking every
 * database connection, reader or CPU slice from the others. Ingest has its own back-pressure
 * (ingest-route.ts: queued writes); long-lived streams opt out with `config.readLimit: false`.
 */
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: this GET holds its connection for long (SSE) and is bounded by its own rules, not the read limiter. */
    readLimit?: boolean;
  }
}

export interface ReadLimits {
  perKey: number;
  perOrg: number;
  /** Seconds a refused client is asked to wait (Retry-After). */
  retryAfterSeconds: number;
}

export function tooManyReads(scope: 'key' | 'organization', limit: number, retryAfterSeconds: number): ApiError {
  return new ApiError(
    429,
    'rate_limit_error',
    'rate_limit_exceeded',
    `Too many concurrent reads for this ${scope === 'key' ? 'admin API key' : 'organization'} (at most ${limit} at once); retry after ${retryAfterSeconds} s.`,
    null,
    true,
    retryAfterSeconds,
  );
}

/** Counts of running reads, per key and per organization. */
export class ReadSlots {
  private readonly byKey = new Map<string, number>();
  private readonly byOrg = new Map<string, number>();

  constructor(private readonly limits: ReadLimits) {}

  /** Takes a slot for this key and organization, or throws the 429; the returned function releases it (once). */
  acquire(orgId: string, keyId: string): () => void {
    const k = this.byKey.get(keyId) ?? 0;
    if (k >= this.limits.perKey) throw tooManyReads('key', this.limits.perKey, this.limits.retryAfterSeconds);
    const o = this.byOrg.get(orgId) ?? 0;
    if (o >= this.limits.perOrg) throw tooManyReads('organization', this.limits.perOrg, this.limits.retryAfterSeconds);
    this.byKey.set(keyId, k + 1);
    this.byOrg.set(orgId, o + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.byKey, keyId);
      decrement(this.byOrg, orgId);
    };
  }

  running(): number {
    let n = 0;
    for (const v of this.byOrg.values()) n += v;
    return n;
  }
}

function decrement(map: Map<string, number>, id: string): void {
  const n = (map.get(id) ?? 1) - 1;
  if (n <= 0) map.delete(id);
  else map.set(id, n);
}

/**
 * Every authenticated GET takes a slot after validation (a malformed query costs no slot) and gives
 * it back when its response is finished or its connection closes, whichever comes first.
 */
export function registerReadLimits(app: FastifyInstance, limits: ReadLimits): ReadSlots {
  const slots = new ReadSlots(limits);
  app.addHook('preHandler', async (request, reply) => {
    const config = request.routeOptions.config;
    if (request.method !== 'GET' || !config.scope || config.readLimit === false || !request.principal) return;
    const release = slots.acquire(request.principal.orgId, request.principal.keyId);
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
  });
  return slots;
}
