/**
 * Whole usage and costs pages, built where the rows are read: the query, the merge of its segments,
 * the shaping of the spec's result objects and JSON serialisation all run on a reader worker thread,
 * and the main thread receives the finished UTF-8 body (transferred, not copied). A heavy page is a
 * few MB of JSON from up to about 10,000 results: built on the event loop it held health checks and
 * other organizations' acknowledgements for hundreds of ms (bench fairness). The body is exactly what
 * Fastify would have sent for the same page object (JSON.stringify, no response schema on these routes).
 */

import { queryCosts } from '../features/costs/service.js';
import type { CostReads } from '../features/costs/store.js';
import type { UsageKindName } from '../features/usage/kinds.js';
import { usageKind } from '../features/usage/kinds.js';
import { queryUsage } from '../features/usage/query.js';
import type { CostsQuery, UsageQuery } from '../features/usage/schemas.js';
import type { UsagePages, UsageReads } from '../features/usage/store.js';

const utf8 = new TextEncoder();

/** The page methods a worker adds to its usage reader (part 'usage': usagePage, costsPage). */
export function pagesOver(reads: UsageReads & CostReads): UsagePages {
  return {
    async usagePage(orgId: string, kind: string, q: UsageQuery, now: number): Promise<Uint8Array> {
      return utf8.encode(JSON.stringify(await queryUsage({ usage: reads }, orgId, usageKind(kind as UsageKindName), q, now)));
    },
    async costsPage(orgId: string, q: CostsQuery, now: number): Promise<Uint8Array> {
      return utf8.encode(JSON.stringify(await queryCosts({ costs: reads }, orgId, q, now)));
    },
  };
}
