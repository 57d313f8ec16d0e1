/**
 * The one idempotency rule of every ingest path (audit events, usage records, cost entries): a
 * client-chosen id is an idempotency key. Its first appearance, in the store or earlier in the same
 * batch, wins. A repeat with the same content is acknowledged with the first one's time and not
 * written again; a repeat with other content is a 409 naming the item, and the caller's whole write
 * rolls back.
 */
import { errors } from './errors.js';

/** What the rule needs to know of one item of a batch. */
export interface BatchKey {
  /** The client-chosen id; null when the server mints one (never a replay). */
  clientId: string | null;
  contentHash: string | null;
  /** The time a replay of this item is acknowledged with (created_at, effective_at). */
  at: number;
}

export interface StoredTwin {
  contentHash: string | null;
}

export interface IdempotencyRule<T, S extends StoredTwin> {
  keyOf(item: T): BatchKey;
  /** The acknowledged time of a stored twin. */
  storedAt(stored: S): number;
  /** The 409's message for an id already stored with other content. */
  conflictMessage(id: string): string;
  /** Whether a stored twin holds the item's content; equal content hashes when absent. */
  sameAsStored?(item: T, stored: S): boolean;
}

export interface SplitBatch<T> {
  /** Items to insert, with their place in the batch. */
  fresh: { item: T; index: number }[];
  /** Place in the batch -> acknowledged time, for every replay. */
  acks: Map<number, number>;
}

/** The client ids of a batch, to look their stored twins up in one query. */
export function clientIdsOf<T>(items: readonly T[], keyOf: (item: T) => BatchKey): string[] {
  const ids: string[] = [];
  for (const item of items) {
    const id = keyOf(item).clientId;
    if (id !== null) ids.push(id);
  }
  return ids;
}

/** Splits a batch into fresh items and replays of stored (or earlier in-batch) twins; throws 409 on a conflict. */
export function splitReplays<T, S extends StoredTwin>(items: readonly T[], stored: ReadonlyMap<string, S>, rule: IdempotencyRule<T, S>): SplitBatch<T> {
  const out: SplitBatch<T> = { fresh: [], acks: new Map() };
  const seen = new Map<string, BatchKey>();
  items.forEach((item, index) => {
    const key = rule.keyOf(item);
    if (key.clientId !== null) {
      const twin = stored.get(key.clientId);
      const earlier = seen.get(key.clientId);
      if (twin !== undefined || earlier !== undefined) {
        const same = twin !== undefined ? sameAs(rule, item, key, twin) : earlier?.contentHash === key.contentHash;
        if (!same) throw errors.conflict(rule.conflictMessage(key.clientId), `data[${index}].id`);
        out.acks.set(index, twin !== undefined ? rule.storedAt(twin) : (earlier as BatchKey).at);
        return;
      }
      seen.set(key.clientId, key);
    }
    out.fresh.push({ item, index });
  });
  return out;
}

/**
 * A fresh client id the store did not insert was committed by another process between our check and
 * our insert (PostgreSQL with several processes). Its stored twin is visible now: the same content is
 * acknowledged as a replay, other content is a 409, exactly as if the twin had come first.
 */
export async function settleLostRaces<T, S extends StoredTwin>(
  batch: SplitBatch<T>,
  inserted: ReadonlySet<string>,
  find: (ids: string[]) => Promise<ReadonlyMap<string, S>>,
  rule: IdempotencyRule<T, S>,
): Promise<void> {
  const lost = batch.fresh.filter(({ item }) => {
    const id = rule.keyOf(item).clientId;
    return id !== null && !inserted.has(id);
  });
  if (lost.length === 0) return;
  const twins = await find(lost.map(({ item }) => rule.keyOf(item).clientId as string));
  for (const { item, index } of lost) {
    const key = rule.keyOf(item);
    const twin = twins.get(key.clientId as string);
    if (twin === undefined) continue;
    if (!sameAs(rule, item, key, twin)) throw errors.conflict(rule.conflictMessage(key.clientId as string), `data[${index}].id`);
    batch.acks.set(index, rule.storedAt(twin));
  }
}

function sameAs<T, S extends StoredTwin>(rule: IdempotencyRule<T, S>, item: T, key: BatchKey, twin: S): boolean {
  return rule.sameAsStored ? rule.sameAsStored(item, twin) : twin.contentHash === key.contentHash;
}
