/**
 * The usage kinds registry: for each of the eleven usage endpoints its result `object`, dimensions,
 * measures, filters and group_by values, derived from the served spec (the official
 * spec/openai-admin-subset.json plus the newer-SDK additions of src/spec/sdk-extensions.ts) so the
 * wire contract is written down once. Only what the spec cannot say is stated here: which result
 * schema belongs to which path, and which measure is a level (vector_stores usage_bytes).
 */
import { servedSpec } from '../../spec/sdk-extensions.js';

/**
 * The kinds, dimensions and measures of the 2026-08-21 spec: a closed set (that spec never changes),
 * so migrations 2 and 3 build their columns from these lists (store/usage-columns.ts). What a newer
 * SDK adds goes into the live lists below, never into these.
 */
export const SPEC_2026_08_21 = {
  kinds: [
    'completions',
    'embeddings',
    'moderations',
    'images',
    'audio_speeches',
    'audio_transcriptions',
    'vector_stores',
    'code_interpreter_sessions',
    'file_search_calls',
    'web_search_calls',
  ],
  dimensions: ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier', 'size', 'source', 'vector_store_id', 'context_level'],
  measures: [
    'input_tokens',
    'input_cached_tokens',
    'input_cache_write_tokens',
    'input_uncached_tokens',
    'output_tokens',
    'input_text_tokens',
    'output_text_tokens',
    'input_cached_text_tokens',
    'input_audio_tokens',
    'input_cached_audio_tokens',
    'output_audio_tokens',
    'input_image_tokens',
    'input_cached_image_tokens',
    'output_image_tokens',
    'num_model_requests',
    'images',
    'characters',
    'seconds',
    'usage_bytes',
    'num_sessions',
    'num_requests',
  ],
} as const;

export const USAGE_KIND_NAMES = [
  ...SPEC_2026_08_21.kinds,
  // openai SDK 7.57+ (not in the 2026-08-21 spec): see src/spec/sdk-extensions.ts.
  'decisions',
] as const;
export type UsageKindName = (typeof USAGE_KIND_NAMES)[number];

/** Every dimension any kind has; the store keeps one column each. */
export const ALL_DIMENSIONS = [...SPEC_2026_08_21.dimensions, 'api_source'] as const;
export type Dimension = (typeof ALL_DIMENSIONS)[number];

/** Every measure any kind has, in a fixed order (the store keeps one column each). */
export const ALL_MEASURES = [...SPEC_2026_08_21.measures, 'input_cache_write_12h_tokens', 'input_cache_write_30m_tokens'] as const;
export type Measure = (typeof ALL_MEASURES)[number];

/** A query filter: the wire parameter and the dimension it restricts. */
export interface UsageFilter {
  param: string;
  dimension: Dimension;
  /** Allowed values when the spec gives an enum (sizes, sources, context_levels). */
  values?: string[];
  /** `batch` is a single boolean, not a list. */
  boolean?: boolean;
}

export interface UsageKind {
  name: UsageKindName;
  /** The result object's discriminator, e.g. organization.usage.file_searches.result. */
  object: string;
  dimensions: Dimension[];
  measures: Measure[];
  /** Measures the result schema requires (always emitted, 0 when nothing was recorded). */
  requiredMeasures: Measure[];
  /** A gauge: the latest sample per bucket and series, never a sum over time. */
  levelMeasure?: Measure;
  filters: UsageFilter[];
  /** Values of dimensions whose result property is an enum without a filter (api_source). */
  dimensionValues: Partial<Record<Dimension, string[]>>;
  groupBy: Dimension[];
  /** `num_model_requests` defaults to 1 on ingest where the kind has it. */
  defaultsToOneRequest: boolean;
}

const RESULT_SCHEMA: Record<UsageKindName, string> = {
  completions: 'UsageCompletionsResult',
  embeddings: 'UsageEmbeddingsResult',
  moderations: 'UsageModerationsResult',
  images: 'UsageImagesResult',
  audio_speeches: 'UsageAudioSpeechesResult',
  audio_transcriptions: 'UsageAudioTranscriptionsResult',
  vector_stores: 'UsageVectorStoresResult',
  code_interpreter_sessions: 'UsageCodeInterpreterSessionsResult',
  file_search_calls: 'UsageFileSearchCallsResult',
  web_search_calls: 'UsageWebSearchCallsResult',
  decisions: 'UsageDecisionsResult',
};

interface SpecProperty {
  type?: string;
  enum?: string[];
  anyOf?: { type?: string; enum?: string[] }[];
}
interface SpecParameter {
  name: string;
  in: string;
  schema: { type?: string; items?: { enum?: string[] } };
}

function isDimension(name: string): name is Dimension {
  return (ALL_DIMENSIONS as readonly string[]).includes(name);
}
function isMeasure(name: string): name is Measure {
  return (ALL_MEASURES as readonly string[]).includes(name);
}

/** `project_ids` -> project_id, `sizes` -> size, `batch` -> batch. */
function dimensionOfFilter(param: string): Dimension | null {
  const singular = param.endsWith('s') ? param.slice(0, -1) : param;
  return isDimension(singular) ? singular : isDimension(param) ? param : null;
}

function buildKind(name: UsageKindName): UsageKind {
  const spec = servedSpec();
  const schema = spec.components.schemas[RESULT_SCHEMA[name]] as { properties: Record<string, SpecProperty>; required: string[] };
  const object = schema.properties.object?.enum?.[0];
  if (!object) throw new Error(`spec: ${RESULT_SCHEMA[name]} has no object discriminator`);
  const props = Object.entries(schema.properties).filter(([k]) => k !== 'object');
  const measures = props.filter(([k, v]) => v.type === 'integer' && isMeasure(k)).map(([k]) => k as Measure);
  const dimensions = props.filter(([k, v]) => v.anyOf && isDimension(k)).map(([k]) => k as Dimension);
  const dimensionValues: Partial<Record<Dimension, string[]>> = {};
  for (const [k, v] of props) {
    const values = v.anyOf?.find((a) => a.enum)?.enum;
    if (values && isDimension(k)) dimensionValues[k] = values;
  }
  const op = spec.paths[`/organization/usage/${name}`]?.get as { parameters: SpecParameter[] } | undefined;
  if (!op) throw new Error(`spec: no GET /organization/usage/${name}`);
  const filters: UsageFilter[] = [];
  let groupBy: Dimension[] = [];
  for (const p of op.parameters) {
    if (p.name === 'group_by') groupBy = (p.schema.items?.enum ?? []).filter(isDimension);
    else if (p.schema.type === 'array' || p.schema.type === 'boolean') {
      const dimension = dimensionOfFilter(p.name);
      if (!dimension) throw new Error(`spec: filter ${p.name} of ${name} names no known dimension`);
      const filter: UsageFilter = { param: p.name, dimension };
      if (p.schema.items?.enum) filter.values = p.schema.items.enum;
      if (p.schema.type === 'boolean') filter.boolean = true;
      filters.push(filter);
    }
  }
  return {
    name,
    object,
    dimensions,
    measures,
    requiredMeasures: schema.required.filter(isMeasure),
    ...(name === 'vector_stores' ? { levelMeasure: 'usage_bytes' as const } : {}),
    filters,
    dimensionValues,
    groupBy,
    defaultsToOneRequest: measures.includes('num_model_requests'),
  };
}

let registry: Map<UsageKindName, UsageKind> | undefined;

export function usageKinds(): Map<UsageKindName, UsageKind> {
  registry ??= new Map(USAGE_KIND_NAMES.map((n) => [n, buildKind(n)]));
  return registry;
}

export function usageKind(name: UsageKindName): UsageKind {
  const kind = usageKinds().get(name);
  if (!kind) throw new Error(`unknown usage kind ${name}`);
  return kind;
}

/** Dimensions whose values are few (tiers, sizes): kept in the narrow rollup cubes. */
export const LOW_CARDINALITY: readonly Dimension[] = ['batch', 'service_tier', 'size', 'source', 'context_level', 'api_source'];
