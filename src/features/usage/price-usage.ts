/**
 * Pricing one usage record into cost line items at the price in force at its created_at.
 *
 * Token convention (docs/usage-and-costs.md): input_tokens includes cached and cache-write tokens;
 * uncached = input - cached - cache_write. Per-modality input counts (input_audio_tokens,
 * input_image_tokens) are uncached, the cached ones are input_cached_*; a modality the price lacks
 * is charged as text. Money is integer nano-USD, each line item rounded half up.
 */
import type { UsageKindName } from './kinds.js';
import type { Price, PriceComponent, PriceTable, Tier } from './price-table.js';
import type { CostLine, DimValues, MeasureValues } from './types.js';

/** a * b / d rounded half up, exact for integers of any size. */
export function mulDivRound(a: number, b: number, d: number): number {
  const n = a * b;
  if (Number.isSafeInteger(n)) {
    const q = Math.floor(n / d);
    return (n - q * d) * 2 >= d ? q + 1 : q;
  }
  const big = BigInt(a) * BigInt(b);
  const q = big / BigInt(d);
  return Number((big - q * BigInt(d)) * 2n >= BigInt(d) ? q + 1n : q);
}

export function tierOf(dims: DimValues): Tier {
  if (dims.batch === true) return 'batch';
  if (dims.service_tier === 'flex' || dims.service_tier === 'priority') return dims.service_tier;
  return 'default';
}

/** Kinds priced by a tool entry (no model): the price table lists them under the kind's name. */
const TOOL_KINDS: Partial<Record<UsageKindName, true>> = { code_interpreter_sessions: true, file_search_calls: true };

export function priceKeyOf(kind: UsageKindName, dims: DimValues): string | null {
  if (TOOL_KINDS[kind]) return kind;
  if (kind === 'web_search_calls') return 'web_search_calls';
  if (kind === 'vector_stores') return null;
  return typeof dims.model === 'string' ? dims.model : null;
}

interface Component {
  item: string;
  price: PriceComponent;
  unit: string;
  /** Units the price is quoted per. */
  per: number;
  quantity: number;
}

function completionComponents(m: MeasureValues, p: Price): Component[] {
  const has = (c: PriceComponent) => p.nano[c] !== undefined;
  const n = (k: keyof MeasureValues) => m[k] ?? 0;
  const audioIn = has('input_audio') ? n('input_audio_tokens') : 0;
  const imageIn = has('input_image') ? n('input_image_tokens') : 0;
  const cachedAudio = has('cached_input_audio') ? n('input_cached_audio_tokens') : 0;
  const cachedImage = has('cached_input_image') ? n('input_cached_image_tokens') : 0;
  const audioOut = has('output_audio') ? n('output_audio_tokens') : 0;
  const imageOut = has('output_image') ? n('output_image_tokens') : 0;
  const uncached = n('input_tokens') - n('input_cached_tokens') - n('input_cache_write_tokens');
  const t = (item: string, price: PriceComponent, quantity: number): Component => ({ item, price, unit: 'tokens', per: 1_000_000, quantity });
  return [
    t('input_tokens', 'input', uncached - audioIn - imageIn),
    t('cached_input_tokens', has('cached_input') ? 'cached_input' : 'input', n('input_cached_tokens') - cachedAudio - cachedImage),
    t('cache_write_tokens', has('cache_write') ? 'cache_write' : 'input', n('input_cache_write_tokens')),
    t('output_tokens', 'output', n('output_tokens') - audioOut - imageOut),
    t('input_audio_tokens', 'input_audio', audioIn),
    t('cached_input_audio_tokens', 'cached_input_audio', cachedAudio),
    t('output_audio_tokens', 'output_audio', audioOut),
    t('input_image_tokens', 'input_image', imageIn),
    t('cached_input_image_tokens', 'cached_input_image', cachedImage),
    t('output_image_tokens', 'output_image', imageOut),
  ];
}

function componentsOf(kind: UsageKindName, m: MeasureValues, p: Price): Component[] {
  switch (kind) {
    case 'completions':
    case 'decisions':
      return completionComponents(m, p);
    case 'embeddings':
    case 'moderations':
      return [{ item: 'input_tokens', price: 'input', unit: 'tokens', per: 1_000_000, quantity: m.input_tokens ?? 0 }];
    case 'images':
      return [{ item: 'images', price: 'image', unit: 'images', per: 1, quantity: m.images ?? 0 }];
    case 'audio_speeches':
      return [{ item: 'characters', price: 'characters', unit: 'characters', per: 1_000_000, quantity: m.characters ?? 0 }];
    case 'audio_transcriptions':
      return [{ item: 'seconds', price: 'audio_minute', unit: 'duration_seconds', per: 60, quantity: m.seconds ?? 0 }];
    case 'code_interpreter_sessions':
      return [{ item: 'sessions', price: 'session', unit: 'sessions', per: 1, quantity: m.num_sessions ?? 0 }];
    case 'file_search_calls':
    case 'web_search_calls':
      return [{ item: 'calls', price: 'per_1k_calls', unit: 'calls', per: 1000, quantity: m.num_requests ?? 0 }];
    default:
      return [];
  }
}

export interface Priced {
  priceId: string;
  costs: CostLine[];
}

/**
 * The record's line items, or null when the table has no price for it (unpriced: the caller
 * reports it; it is never priced as zero). A component the price lacks while the record has a
 * quantity for it also makes the record unpriced.
 */
export function priceRecord(table: PriceTable, kind: UsageKindName, createdAt: number, dims: DimValues, measures: MeasureValues): Priced | null {
  const key = priceKeyOf(kind, dims);
  if (key === null) return null;
  const tier = tierOf(dims);
  const price = table.lookup(key, tier, createdAt);
  if (!price) return null;
  const costs: CostLine[] = [];
  const suffix = tier === 'default' ? '' : `, ${tier}`;
  for (const c of componentsOf(kind, measures, price)) {
    if (c.quantity <= 0) continue;
    let nano = price.nano[c.price];
    if (c.price === 'image' && typeof dims.size === 'string') nano = price.imageSizesNano[dims.size] ?? nano;
    if (nano === undefined) return null;
    costs.push({
      createdAt,
      projectId: (dims.project_id as string | null | undefined) ?? null,
      apiKeyId: (dims.api_key_id as string | null | undefined) ?? null,
      userId: (dims.user_id as string | null | undefined) ?? null,
      apiSource: (dims.api_source as string | null | undefined) ?? null,
      lineItem: `${key}, ${c.item}${suffix}`,
      quantity: c.quantity,
      quantityUnit: c.unit,
      amountNano: mulDivRound(c.quantity, nano, c.per),
      priceId: price.id,
    });
  }
  return { priceId: price.id, costs };
}
