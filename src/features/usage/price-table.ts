/**
 * The dated price table: data-files/prices.json (shipped) overlaid by the user's file (pricesFile).
 * Prices are read once at start-up, never fetched: pricing stays offline and reviewable. Amounts are
 * converted once to integer nano-USD per pricing unit (1M tokens, 1M characters, an image, a minute
 * of audio, 1k calls, a session).
 */
import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { compile, describeAjvError } from '../../lib/validator.js';

export const TOKEN_COMPONENTS = [
  'input',
  'cached_input',
  'cache_write',
  'output',
  'input_audio',
  'cached_input_audio',
  'output_audio',
  'input_image',
  'cached_input_image',
  'output_image',
] as const;
/** Token components are USD per 1M tokens; characters per 1M characters; audio_minute per minute; per_1k_calls; session; image. */
export const PRICE_COMPONENTS = [...TOKEN_COMPONENTS, 'image', 'characters', 'audio_minute', 'per_1k_calls', 'session'] as const;
export type PriceComponent = (typeof PRICE_COMPONENTS)[number];
export const TIERS = ['batch', 'flex', 'priority'] as const;
export type Tier = 'default' | (typeof TIERS)[number];

const Usd = Type.Number({ minimum: 0, maximum: 1e6 });
const Components = Type.Partial(Type.Object(Object.fromEntries(PRICE_COMPONENTS.map((c) => [c, Usd])) as Record<PriceComponent, typeof Usd>));
const DatedPrice = Type.Intersect([
  Components,
  Type.Object({
    effective_from: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC date the price applies from' }),
    image_sizes: Type.Optional(Type.Record(Type.String(), Usd)),
    batch: Type.Optional(Components),
    flex: Type.Optional(Components),
    priority: Type.Optional(Components),
  }),
]);
export const PriceFile = Type.Object({
  $comment: Type.Optional(Type.String()),
  currency: Type.Optional(Type.Literal('usd')),
  tier_rules: Type.Optional(
    Type.Partial(
      Type.Object({
        batch: Type.Object({ multiplier: Type.Number({ minimum: 0 }) }),
        flex: Type.Object({ multiplier: Type.Number({ minimum: 0 }) }),
        priority: Type.Object({ multiplier: Type.Number({ minimum: 0 }) }),
      }),
    ),
  ),
  models: Type.Optional(Type.Record(Type.String(), Type.Array(DatedPrice, { minItems: 1 }))),
});
export type PriceFile = Static<typeof PriceFile>;

/** A resolved price: nano-USD per pricing unit, for one model (or tool), tier and date. */
export interface Price {
  id: string;
  nano: Partial<Record<PriceComponent, number>>;
  imageSizesNano: Record<string, number>;
}

interface Dated {
  from: number;
  date: string;
  raw: Static<typeof DatedPrice>;
}

const toNano = (usd: number) => Math.round(usd * 1e9);

export class PriceTable {
  private readonly models = new Map<string, Dated[]>();
  private readonly rules: PriceFile['tier_rules'];
  private readonly cache = new Map<string, Price | null>();

  constructor(files: PriceFile[]) {
    let rules: PriceFile['tier_rules'] = {};
    for (const file of files) {
      rules = { ...rules, ...file.tier_rules };
      // A model in a later file replaces the earlier file's whole history for that model.
      for (const [model, prices] of Object.entries(file.models ?? {})) {
        const dated = prices.map((raw) => ({ from: Date.parse(`${raw.effective_from}T00:00:00Z`) / 1000, date: raw.effective_from, raw }));
        this.models.set(
          model,
          dated.sort((a, b) => a.from - b.from),
        );
      }
    }
    this.rules = rules;
  }

  modelNames(): string[] {
    return [...this.models.keys()];
  }

  /** The price in force at `at` for the model and tier; null when there is none (unpriced). */
  lookup(model: string, tier: Tier, at: number): Price | null {
    const history = this.models.get(model) ?? this.models.get(model.replace(/-\d{4}-\d{2}-\d{2}$/, ''));
    if (!history) return null;
    let dated: Dated | undefined;
    for (const d of history) if (d.from <= at) dated = d;
    if (!dated) return null;
    const key = `${model}\u0000${tier}\u0000${dated.date}`;
    if (!this.cache.has(key)) this.cache.set(key, this.resolve(model, tier, dated));
    return this.cache.get(key) ?? null;
  }

  private resolve(model: string, tier: Tier, dated: Dated): Price | null {
    const base = dated.raw;
    const nano: Partial<Record<PriceComponent, number>> = {};
    const override = tier === 'default' ? undefined : base[tier];
    const multiplier = tier === 'default' ? 1 : this.rules?.[tier]?.multiplier;
    // A tier needs either the model's own tier prices or a file-wide multiplier; otherwise unpriced.
    if (tier !== 'default' && !override && multiplier === undefined) return null;
    for (const c of PRICE_COMPONENTS) {
      const own = override?.[c];
      if (own !== undefined) nano[c] = toNano(own);
      else if (base[c] !== undefined) nano[c] = Math.round(toNano(base[c] as number) * (override ? 1 : (multiplier ?? 1)));
    }
    const imageSizesNano: Record<string, number> = {};
    for (const [size, usd] of Object.entries(base.image_sizes ?? {})) imageSizesNano[size] = Math.round(toNano(usd) * (multiplier ?? 1));
    const id = `${model}@${dated.date}${tier === 'default' ? '' : `/${tier}`}`;
    return { id, nano, imageSizesNano };
  }
}

const validatePriceFile = compile<PriceFile>(PriceFile);

export function parsePriceFile(text: string, where: string): PriceFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`price file ${where} is not JSON: ${(err as Error).message}`);
  }
  if (!validatePriceFile(parsed)) {
    const { message } = describeAjvError('', (validatePriceFile.errors ?? [])[0] as never);
    throw new Error(`price file ${where}: ${message}`);
  }
  return parsed;
}

export const SHIPPED_PRICES_URL = new URL('../../../data-files/prices.json', import.meta.url);

/** The shipped table, overlaid by the user's file when one is configured. */
export function loadPriceTable(userFile?: string): PriceTable {
  const files = [parsePriceFile(readFileSync(SHIPPED_PRICES_URL, 'utf8'), 'data-files/prices.json')];
  if (userFile) files.push(parsePriceFile(readFileSync(userFile, 'utf8'), userFile));
  return new PriceTable(files);
}
