/** The usage feature's part of the store. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { CostsQuery, UsageQuery } from './schemas.js';
import type { UnpricedUsage, UsageGroupRow, UsageInsert, UsageSegmentQuery } from './types.js';

export interface UsageReads {
  /** Usage of [from, to) from one source, summed per bucket of the query's grid and group. */
  queryUsage(query: UsageSegmentQuery): Promise<UsageGroupRow[]>;
  /**
   * The whole page of GET usage as its JSON body (UTF-8): exactly queryUsage (query.ts) serialised.
   * An engine with reader workers builds it there (query, merge, shape, JSON) so the event loop only
   * sends the bytes; without it the route builds the page itself.
   */
  usagePage?(orgId: string, kind: string, q: UsageQuery, now: number): Promise<Uint8Array>;
}

export interface UsageWrites {
  /** Content hash (null for server ids) and time of each of these usage ids already stored. */
  findUsageHashes(orgId: string, kind: string, ids: string[]): Promise<Map<string, { contentHash: string | null; createdAt: number }>>;
  /**
   * Inserts the records whose id is new, and from exactly those updates the hourly and daily rollups
   * and writes their cost line items. Returns the ids actually inserted.
   */
  insertUsage(batch: UsageInsert): Promise<string[]>;
  noteUnpricedUsage(orgId: string, items: UnpricedUsage[]): Promise<void>;
}

/** Both page builders (usage/store.ts usagePage, costs/store.ts costsPage), as an engine's workers offer them. */
export interface UsagePages {
  usagePage(orgId: string, kind: string, q: UsageQuery, now: number): Promise<Uint8Array>;
  costsPage(orgId: string, q: CostsQuery, now: number): Promise<Uint8Array>;
}

/** The store the usage services need. */
export interface UsageStore extends Writer<{ usage: UsageWrites }> {
  readonly usage: UsageReads;
}
