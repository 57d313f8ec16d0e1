/** The costs feature's part of the store. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { CostsQuery } from '../usage/schemas.js';
import type { UnpricedUsage } from '../usage/types.js';
import type { CostEntry, CostGroupRow, CostSegmentQuery } from './types.js';

export interface CostReads {
  /** Cost line items of [from, to) from the hourly or daily rollup, per bucket and group. */
  queryCosts(query: CostSegmentQuery): Promise<CostGroupRow[]>;
  listUnpricedUsage(orgId: string): Promise<UnpricedUsage[]>;
  /** The whole page of GET costs as its JSON body, built off the event loop (see UsageReads.usagePage). */
  costsPage?(orgId: string, q: CostsQuery, now: number): Promise<Uint8Array>;
}

export interface CostWrites {
  findCostEntryHashes(orgId: string, ids: string[]): Promise<Map<string, { contentHash: string | null; createdAt: number }>>;
  /** Inserts the entries whose id is new (and their line items); returns the ids inserted. */
  insertCostEntries(orgId: string, entries: CostEntry[]): Promise<string[]>;
}

/** The store the costs services need. */
export interface CostStore extends Writer<{ costs: CostWrites }> {
  readonly costs: CostReads;
}
