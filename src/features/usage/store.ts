/** The usage feature's part of the store. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { UnpricedUsage, UsageGroupRow, UsageInsert, UsageSegmentQuery } from './types.js';

export interface UsageReads {
  /** Usage of [from, to) from one source, summed per bucket of the query's grid and group. */
  queryUsage(query: UsageSegmentQuery): Promise<UsageGroupRow[]>;
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

/** The store the usage services need. */
export interface UsageStore extends Writer<{ usage: UsageWrites }> {
  readonly usage: UsageReads;
}
