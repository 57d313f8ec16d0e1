/**
 * Costs: the read side (GET /v1/organization/costs) over the hourly and daily cost rollups, and the
 * explicit cost entries extension (POST), idempotent by id like usage records.
 *
 * Costs are kept at day resolution (their buckets are 1d only): a start_time off UTC midnight is
 * moved back to midnight and an end_time off midnight forward to the next (docs/usage-and-costs.md).
 */
import { contentHash } from '../../lib/canonical-json.js';
import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { clientIdsOf, type IdempotencyRule, settleLostRaces, splitReplays } from '../../lib/idempotent-batch.js';
import { newId } from '../../lib/ids.js';
import { describeAjvError } from '../../lib/validator.js';
import { boundByResults, compareSortKeys, pageWindow, plan, type SortKey } from '../usage/buckets.js';
import { bucketsOf, checkRange, type UsagePage } from '../usage/query.js';
import type { CostsQuery } from '../usage/schemas.js';
import type { IngestProvenance } from '../usage/types.js';
import { MAX_COST_ENTRIES, validateCostEntry } from './schemas.js';
import type { CostReads, CostStore } from './store.js';
import type { CostDimension, CostEntry, CostGroupRow } from './types.js';

const DAY = 86400;
const GROUPS: CostDimension[] = ['project_id', 'api_key_id', 'line_item', 'user_id', 'api_source'];

function mergeCosts(rows: CostGroupRow[]): CostGroupRow[] {
  const out = new Map<string, CostGroupRow>();
  for (const r of rows) {
    const k = JSON.stringify([r.bucketStart, r.projectId, r.apiKeyId, r.lineItem, r.userId, r.apiSource]);
    const cur = out.get(k);
    if (!cur) out.set(k, { ...r });
    else {
      cur.amountNano += r.amountNano;
      cur.quantity += r.quantity;
      if (cur.quantityUnit !== r.quantityUnit) cur.quantityUnit = null;
    }
  }
  const keyed = [...out.values()].map((row) => ({ row, key: [row.lineItem, row.projectId, row.apiKeyId, row.userId, row.apiSource].map((v) => v ?? null) }));
  keyed.sort((a, b) => compareSortKeys(a.key, b.key));
  return keyed.map((k) => k.row);
}

/** The sort key of a shaped result, in mergeCosts' order: what a cursor inside a bucket continues after. */
const costKey = (r: Record<string, unknown>): SortKey =>
  [r.line_item, r.project_id, r.api_key_id, r.user_id, r.api_source].map((v) => (v ?? null) as string | null);

function costResult(r: CostGroupRow, byLineItem: boolean): Record<string, unknown> {
  return {
    object: 'organization.costs.result',
    amount: { value: r.amountNano / 1e9, currency: 'usd' },
    line_item: r.lineItem ?? null,
    project_id: r.projectId ?? null,
    api_key_id: r.apiKeyId ?? null,
    // Newest-SDK fields (src/spec/sdk-extensions.ts): null unless grouped by them.
    user_id: r.userId ?? null,
    api_source: r.apiSource ?? null,
    quantity: byLineItem ? r.quantity : null,
    quantity_unit: byLineItem ? r.quantityUnit : null,
  };
}

export async function queryCosts(store: { readonly costs: CostReads }, orgId: string, q: CostsQuery, now: number): Promise<UsagePage> {
  checkRange(q.start_time, q.end_time);
  const limit = q.limit ?? 7;
  const start = q.start_time - (q.start_time % DAY);
  const end = q.end_time === undefined ? undefined : Math.ceil(q.end_time / DAY) * DAY;
  const groupBy = GROUPS.filter((g) => (q.group_by ?? []).includes(g));
  const filters: Partial<Record<CostDimension, string[]>> = {};
  if (q.project_ids) filters.project_id = [...new Set(q.project_ids)];
  if (q.api_key_ids) filters.api_key_id = [...new Set(q.api_key_ids)];
  if (q.line_items) filters.line_item = [...new Set(q.line_items)];
  const identity = { costs: true, start: q.start_time, end: q.end_time ?? null, groupBy, filters };
  const w = pageWindow({ start, end, width: 86400, limit, page: q.page, now, identity });
  const parts = await Promise.all(
    plan(w, '1d').map((s) =>
      store.costs.queryCosts({ orgId, source: s.source as '1d' | '1h', from: s.from, to: s.to, origin: s.origin, width: w.width, groupBy, filters }),
    ),
  );
  const byLineItem = groupBy.includes('line_item');
  const { data, nextPage } = boundByResults(
    w,
    bucketsOf(
      w,
      mergeCosts(parts.flat()),
      (r) => r.bucketStart,
      (r) => costResult(r, byLineItem),
    ),
    costKey,
  );
  return { object: 'page', data, has_more: nextPage !== null, next_page: nextPage };
}

interface RawEntry {
  id?: string;
  created_at?: number;
  project_id?: string | null;
  api_key_id?: string | null;
  line_item: string;
  amount: { value: number; currency: 'usd' };
  quantity?: number | null;
  quantity_unit?: string | null;
}

function prepareEntry(raw: unknown, index: number, now: number): CostEntry {
  if (!validateCostEntry(raw)) {
    const { param, message } = describeAjvError(`data[${index}]`, (validateCostEntry.errors ?? [])[0] as never);
    throw errors.invalidBody(message, param);
  }
  const e = raw as RawEntry;
  return {
    id: e.id ?? newId('costEntry'),
    createdAt: e.created_at ?? now,
    projectId: e.project_id ?? null,
    apiKeyId: e.api_key_id ?? null,
    lineItem: e.line_item,
    amountNano: Math.round(e.amount.value * 1e9),
    currency: 'usd',
    quantity: e.quantity ?? null,
    quantityUnit: e.quantity_unit ?? null,
    contentHash: e.id ? contentHash(raw) : null,
  };
}

/** An entry's id is its idempotency key; only client-chosen ids carry a content hash. */
const COST_RULE: IdempotencyRule<CostEntry, { contentHash: string | null; createdAt: number }> = {
  keyOf: (e) => ({ clientId: e.contentHash ? e.id : null, contentHash: e.contentHash, at: e.createdAt }),
  storedAt: (stored) => stored.createdAt,
  conflictMessage: (id) => `A cost entry with id '${id}' already exists with different content.`,
};

export async function ingestCostEntries(deps: { store: CostStore; clock: Clock }, orgId: string, entries: unknown[], provenance?: IngestProvenance) {
  if (entries.length === 0) throw errors.invalidBody("'data' must hold at least one cost entry.", 'data');
  if (entries.length > MAX_COST_ENTRIES) throw errors.invalidBody(`'data' holds ${entries.length} entries; at most ${MAX_COST_ENTRIES} are accepted.`, 'data');
  const now = deps.clock.nowSeconds();
  const stamp = provenance ? { ingestedBy: provenance.keyId, requestId: provenance.requestId, ingestedAt: now } : {};
  const prepared = entries.map((e, i) => ({ ...prepareEntry(e, i, now), ...stamp }));
  let acked = new Map<number, number>();
  await deps.store.write(async (tx) => {
    const find = (ids: string[]) => tx.costs.findCostEntryHashes(orgId, ids);
    const batch = splitReplays(prepared, await find(clientIdsOf(prepared, COST_RULE.keyOf)), COST_RULE);
    acked = batch.acks;
    const inserted = new Set(
      await tx.costs.insertCostEntries(
        orgId,
        batch.fresh.map((f) => f.item),
      ),
    );
    await settleLostRaces(batch, inserted, find, COST_RULE);
  });
  return { object: 'list' as const, data: prepared.map((e, i) => ({ id: e.id, created_at: acked.get(i) ?? e.createdAt })) };
}
