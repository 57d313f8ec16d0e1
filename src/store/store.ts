/**
 * The storage contract every engine implements (sqlite/ now, postgres/ next). Services only ever see
 * these types; no SQL lives outside store/. Reads are plain async calls; every write goes through
 * `write()`, which runs the work atomically and acknowledges it only after commit. Engines group
 * concurrent writes into one transaction (group commit), isolating each write with a savepoint so
 * one failing request never takes its neighbours down.
 */

import type { AuditListQuery, AuditPosition, StoredAuditEvent } from '../features/audit-logs/types.js';
import type { AdminKeyRecord, Organization } from '../features/keys/types.js';
import type { CostEntry, CostGroupRow, CostSegmentQuery, UnpricedUsage, UsageGroupRow, UsageInsert, UsageSegmentQuery } from '../features/usage/types.js';

export type EngineName = 'sqlite' | 'postgres';

export interface AdminKeyPageQuery {
  orgId: string;
  order: 'asc' | 'desc';
  after?: { createdAt: number; id: string };
  /** rows to fetch; callers ask for limit + 1 to learn has_more */
  fetch: number;
}

export interface WriteTx {
  insertOrganization(org: Organization): Promise<void>;
  getOrganization(id: string): Promise<Organization | null>;
  insertAdminKey(key: AdminKeyRecord): Promise<void>;
  findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null>;
  countActiveAdminKeys(orgId: string, nowSeconds: number): Promise<number>;
  /** Marks a key revoked; false when it does not exist (or is already revoked) in that organization. */
  revokeAdminKey(orgId: string, id: string, at: number): Promise<boolean>;
  touchAdminKeys(touches: { orgId: string; id: string; at: number }[]): Promise<void>;
  /** The content hash and time of each of these ids already stored in the organization. */
  findAuditEventHashes(orgId: string, ids: string[]): Promise<Map<string, { contentHash: string; effectiveAt: number }>>;
  /** Reserves `count` sequence numbers for the organization; returns the first. Dense: rolled back with the write. */
  allocateAuditSeq(orgId: string, count: number): Promise<number>;
  insertAuditEvents(events: StoredAuditEvent[]): Promise<void>;
  /** Content hash (null for server ids) and time of each of these usage ids already stored. */
  findUsageHashes(orgId: string, kind: string, ids: string[]): Promise<Map<string, { contentHash: string | null; createdAt: number }>>;
  /**
   * Inserts the records whose id is new, and from exactly those updates the hourly and daily rollups
   * and writes their cost line items. Returns the ids actually inserted.
   */
  insertUsage(batch: UsageInsert): Promise<string[]>;
  noteUnpricedUsage(orgId: string, items: UnpricedUsage[]): Promise<void>;
  findCostEntryHashes(orgId: string, ids: string[]): Promise<Map<string, { contentHash: string | null; createdAt: number }>>;
  /** Inserts the entries whose id is new (and their line items); returns the ids inserted. */
  insertCostEntries(orgId: string, entries: CostEntry[]): Promise<string[]>;
}

export interface Store {
  readonly engine: EngineName;
  /** Runs `work` in a transaction shared with concurrent writes; resolves after the commit is durable. */
  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T>;
  /** Writes queued but not yet committed (backpressure and metrics). */
  pendingWrites(): number;

  getOrganization(id: string): Promise<Organization | null>;
  listOrganizations(): Promise<Organization[]>;

  findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null>;
  getAdminKey(orgId: string, id: string): Promise<AdminKeyRecord | null>;
  listAdminKeys(query: AdminKeyPageQuery): Promise<AdminKeyRecord[]>;

  findAuditPosition(orgId: string, id: string): Promise<AuditPosition | null>;
  /** Events in list order for the query's direction; at most query.fetch rows. */
  listAuditEvents(query: AuditListQuery): Promise<StoredAuditEvent[]>;

  /** Usage of [from, to) from one source, summed per bucket of the query's grid and group. */
  queryUsage(query: UsageSegmentQuery): Promise<UsageGroupRow[]>;
  /** Cost line items of [from, to) from the hourly or daily rollup, per bucket and group. */
  queryCosts(query: CostSegmentQuery): Promise<CostGroupRow[]>;
  listUnpricedUsage(orgId: string): Promise<UnpricedUsage[]>;

  /** Waits for queued writes, then closes the engine. */
  close(): Promise<void>;
}
