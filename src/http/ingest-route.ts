/**
 * The one shape of every ingest route (audit events, usage records, cost entries): back-pressure
 * first (429 with Retry-After while the writer is behind), then the `{"data": [...]}` envelope (the
 * NDJSON parser produces the same), then the feature's handler with the items.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { errors } from '../lib/errors.js';
import type { Scope } from '../lib/principal.js';
import { checkIngestItems } from './ingest-limits.js';

/** What every ingest route checks its items against; decorated on the app by buildApp. */
export interface IngestSettings {
  clock: Clock;
  maxClockSkewSeconds: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    ingestSettings: IngestSettings;
  }
}

export interface IngestRoute<R> {
  path: string;
  scope: Scope;
  /** The 200 response schema (serialization and the served document). */
  response: unknown;
  /** What the items are called in messages, one and many: ["event", "events"]. */
  item: [string, string];
  /** One item's bound as JSON (ingest-limits.ts), and its members holding Unix seconds. */
  maxItemBytes: number;
  timeFields: readonly string[];
  /** Most items one request may hold: a larger batch is refused by the body parser before its items are parsed. */
  maxItems: number;
  /** Writes queued but not yet committed, and the bound beyond which ingest answers 429. */
  pendingWrites: () => number;
  maxPendingWrites: number;
  handle: (request: FastifyRequest, data: unknown[]) => Promise<R>;
}

export function registerIngestRoute<R>(app: FastifyInstance, route: IngestRoute<R>): void {
  app.post<{ Body: { data?: unknown } }>(
    route.path,
    { config: { scope: route.scope, itemCount: { max: route.maxItems, names: route.item } }, schema: { response: { 200: route.response } } },
    async (request) => {
      if (route.pendingWrites() >= route.maxPendingWrites) throw errors.overloaded(1);
      const body = request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw errors.invalidBody(`The body must be an object {"data": [${route.item[0]}, ...]}.`, null);
      if (!Array.isArray(body.data)) throw errors.invalidBody(`'data' must be an array of ${route.item[1]}.`, 'data');
      const settings = app.ingestSettings;
      checkIngestItems(body.data, {
        maxItemBytes: route.maxItemBytes,
        timeFields: route.timeFields,
        nowSeconds: settings.clock.nowSeconds(),
        maxClockSkewSeconds: settings.maxClockSkewSeconds,
      });
      return route.handle(request, body.data);
    },
  );
}
