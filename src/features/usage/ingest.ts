/**
 * Usage ingest: validate every record (nothing is written unless all pass), apply defaults, check the
 * token convention, price, then write the batch in one group-committed write. Client ids are
 * idempotency keys: a replay is acknowledged without counting twice; the same id with other content
 * is a 409 and nothing of the batch is written.
 */
import { contentHash } from '../../lib/canonical-json.js';
import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { clientIdsOf, type IdempotencyRule, settleLostRaces, splitReplays } from '../../lib/idempotent-batch.js';
import { newId } from '../../lib/ids.js';
import { describeAjvError } from '../../lib/validator.js';
import { type Measure, type UsageKind, type UsageKindName, usageKind } from './kinds.js';
import type { PriceTable } from './price-table.js';
import { priceKeyOf, priceRecord, tierOf } from './price-usage.js';
import { MAX_COST_NANO, MAX_COST_USD, MAX_RECORDS_PER_BATCH, recordValidator } from './record-schema.js';
import type { UsageStore } from './store.js';
import type { CostLine, DimValues, IngestProvenance, MeasureValues, UnpricedUsage, UsageRecord } from './types.js';

export interface UnpricedWarning {
  code: 'unpriced_model';
  message: string;
  model: string | null;
  tier: string;
  records: number;
}

export interface IngestResult {
  data: { id: string; created_at: number }[];
  warnings: UnpricedWarning[];
}

type Raw = Record<string, unknown>;

/** Sum of the parts must not exceed the whole: the token convention, checked per record. */
const PART_CHECKS: { whole: Measure; parts: Measure[] }[] = [
  { whole: 'input_tokens', parts: ['input_cached_tokens', 'input_cache_write_tokens'] },
  { whole: 'input_uncached_tokens', parts: ['input_text_tokens', 'input_audio_tokens', 'input_image_tokens'] },
  { whole: 'input_cached_tokens', parts: ['input_cached_text_tokens', 'input_cached_audio_tokens', 'input_cached_image_tokens'] },
  { whole: 'output_tokens', parts: ['output_text_tokens', 'output_audio_tokens', 'output_image_tokens'] },
  // "input tokens written to the cache across 30-minute and 12-hour retention periods" (SDK 7.57+).
  { whole: 'input_cache_write_tokens', parts: ['input_cache_write_30m_tokens', 'input_cache_write_12h_tokens'] },
];

function measuresOf(kind: UsageKind, raw: Raw, param: string): MeasureValues {
  const m: MeasureValues = {};
  for (const name of kind.measures) if (typeof raw[name] === 'number') m[name] = raw[name] as number;
  if (kind.defaultsToOneRequest && m.num_model_requests === undefined) m.num_model_requests = 1;
  // Completions-shaped kinds (completions, decisions) follow the token convention.
  if (!kind.measures.includes('input_uncached_tokens')) return m;
  const uncached = (m.input_tokens ?? 0) - (m.input_cached_tokens ?? 0) - (m.input_cache_write_tokens ?? 0);
  if (m.input_uncached_tokens !== undefined && m.input_uncached_tokens !== uncached && uncached >= 0)
    throw errors.invalidBody(
      `input_uncached_tokens must equal input_tokens - input_cached_tokens - input_cache_write_tokens (${uncached}).`,
      `${param}.input_uncached_tokens`,
    );
  m.input_uncached_tokens = uncached;
  for (const { whole, parts } of PART_CHECKS) {
    const sum = parts.reduce((s, p) => s + (m[p] ?? 0), 0);
    if (sum > (m[whole] ?? 0)) {
      const first = parts.find((p) => m[p] !== undefined) as string;
      throw errors.invalidBody(`${parts.join(' + ')} must not exceed ${whole} (input_tokens includes cached and cache-write tokens).`, `${param}.${first}`);
    }
  }
  return m;
}

/** The measure a priced line item comes from (`gpt-4o, cached_input_tokens, batch` -> input_cached_tokens). */
const MEASURE_OF_ITEM: Record<string, string> = {
  cached_input_tokens: 'input_cached_tokens',
  cache_write_tokens: 'input_cache_write_tokens',
  cached_input_audio_tokens: 'input_cached_audio_tokens',
  cached_input_image_tokens: 'input_cached_image_tokens',
  sessions: 'num_sessions',
  calls: 'num_requests',
};

/** A line item beyond MAX_COST_USD is refused, as an explicit cost entry would be, so no engine overflows on it or its rollup. */
function checkCostBound(costs: CostLine[], param: string): void {
  const over = costs.find((c) => Math.abs(c.amountNano) > MAX_COST_NANO);
  if (!over) return;
  const item = over.lineItem.split(', ')[1] ?? '';
  const p = `${param}.${MEASURE_OF_ITEM[item] ?? item}`;
  const usd = MAX_COST_USD.toLocaleString('en-US');
  throw errors.invalidBody(`Invalid value for '${p}': its cost ('${over.lineItem}') exceeds the $${usd} one line item may carry.`, p);
}

interface Prepared {
  record: UsageRecord;
  clientId: string | null;
  unpricedKey: string | null;
}

function prepare(kind: UsageKind, raw: unknown, index: number, now: number, prices: PriceTable): Prepared {
  const param = `data[${index}]`;
  const validate = recordValidator(kind.name);
  if (!validate(raw)) {
    const { param: p, message } = describeAjvError(param, (validate.errors ?? [])[0] as never);
    throw errors.invalidBody(message, p);
  }
  const r = raw as Raw;
  const dims: DimValues = {};
  for (const d of kind.dimensions) dims[d] = (r[d] as string | boolean | null | undefined) ?? null;
  const measures = measuresOf(kind, r, param);
  const createdAt = (r.created_at as number | undefined) ?? now;
  const clientId = (r.id as string | undefined) ?? null;
  const priced = priceRecord(prices, kind.name, createdAt, dims, measures);
  if (priced) checkCostBound(priced.costs, param);
  const priceable = priceKeyOf(kind.name, dims) !== null || kind.dimensions.includes('model');
  const unpricedKey = !priced && priceable ? `${priceKeyOf(kind.name, dims) ?? ''}\u0000${tierOf(dims)}` : null;
  return {
    clientId,
    unpricedKey,
    record: {
      id: clientId ?? newId('usageRecord'),
      createdAt,
      dims,
      measures,
      contentHash: clientId ? contentHash(raw) : null,
      priceId: priced?.priceId ?? null,
      provider: (r.provider as string | null | undefined) ?? null,
      costs: priced?.costs ?? [],
    },
  };
}

/** A record's id is its idempotency key within its kind. */
const usageRule = (kind: UsageKindName): IdempotencyRule<Prepared, { contentHash: string | null; createdAt: number }> => ({
  keyOf: (p) => ({ clientId: p.clientId, contentHash: p.record.contentHash, at: p.record.createdAt }),
  storedAt: (stored) => stored.createdAt,
  conflictMessage: (id) => `A ${kind} usage record with id '${id}' already exists with different content.`,
});

function unpricedTally(items: Prepared[]): Map<string, UnpricedUsage & { count: number }> {
  const tally = new Map<string, UnpricedUsage & { count: number }>();
  for (const p of items) {
    if (!p.unpricedKey) continue;
    const [model = '', tier = 'default'] = p.unpricedKey.split('\u0000');
    const t = tally.get(p.unpricedKey);
    const at = p.record.createdAt;
    if (t) {
      t.records++;
      t.firstAt = Math.min(t.firstAt, at);
      t.lastAt = Math.max(t.lastAt, at);
    } else tally.set(p.unpricedKey, { kind: 'completions', model, tier, firstAt: at, lastAt: at, records: 1, count: 1 });
  }
  return tally;
}

export async function ingestUsage(
  deps: { store: UsageStore; clock: Clock; prices: PriceTable },
  orgId: string,
  kindName: UsageKindName,
  records: unknown[],
  provenance?: IngestProvenance,
): Promise<IngestResult> {
  if (records.length === 0) throw errors.invalidBody("'data' must hold at least one record.", 'data');
  if (records.length > MAX_RECORDS_PER_BATCH)
    throw errors.invalidBody(`'data' holds ${records.length} records; at most ${MAX_RECORDS_PER_BATCH} are accepted per request.`, 'data');
  const [result] = await ingestUsageOfKinds(deps, orgId, [{ kind: kindName, records }], provenance);
  return result as IngestResult;
}

/**
 * Records of several kinds validated first and written in one unit of work, so a caller mapping a
 * mixed batch (OTLP spans) gets all of it or none. One result per batch, in order.
 */
export async function ingestUsageOfKinds(
  deps: { store: UsageStore; clock: Clock; prices: PriceTable },
  orgId: string,
  batches: { kind: UsageKindName; records: unknown[] }[],
  provenance?: IngestProvenance,
): Promise<IngestResult[]> {
  const now = deps.clock.nowSeconds();
  const stamp = provenance ? { ingestedBy: provenance.keyId, requestId: provenance.requestId, ingestedAt: now } : {};
  const prepared = batches.map((b) => ({ kind: b.kind, items: b.records.map((raw, i) => prepare(usageKind(b.kind), raw, i, now, deps.prices)) }));
  const acksOf = prepared.map(() => new Map<number, number>());
  await deps.store.write(async (tx) => {
    for (const [i, { kind: kindName, items }] of prepared.entries()) {
      const rule = usageRule(kindName);
      const find = (ids: string[]) => tx.usage.findUsageHashes(orgId, kindName, ids);
      const batch = splitReplays(items, await find(clientIdsOf(items, rule.keyOf)), rule);
      acksOf[i] = batch.acks;
      const todo = batch.fresh.map((f) => f.item);
      const inserted = new Set(await tx.usage.insertUsage({ orgId, kind: kindName, records: todo.map((p) => ({ ...p.record, ...stamp })) }));
      await settleLostRaces(batch, inserted, find, rule);
      const tally = unpricedTally(todo.filter((p) => inserted.has(p.record.id)));
      if (tally.size > 0)
        await tx.usage.noteUnpricedUsage(
          orgId,
          [...tally.values()].map(({ count: _, ...u }) => ({ ...u, kind: kindName })),
        );
    }
  });
  return prepared.map(({ items }, i) => resultOf(items, acksOf[i] as Map<number, number>));
}

function resultOf(items: Prepared[], acks: Map<number, number>): IngestResult {
  const data = items.map((p, i) => ({ id: p.record.id, created_at: acks.get(i) ?? p.record.createdAt }));
  const warnings = [...unpricedTally(items).values()].map((t) => ({
    code: 'unpriced_model' as const,
    model: t.model || null,
    tier: t.tier,
    records: t.records,
    message: t.model
      ? `No price for '${t.model}' (${t.tier} tier) at the records' created_at: ${t.records} record(s) stored as usage without cost. Add it to your price file.`
      : `${t.records} record(s) have no model, so they could not be priced; they are stored as usage without cost.`,
  }));
  return { data, warnings };
}
