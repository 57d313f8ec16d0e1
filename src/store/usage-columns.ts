/**
 * The usage dimension and measure columns as each migration created them. Migrations are never
 * edited, so they read these frozen lists, never the live ALL_DIMENSIONS / ALL_MEASURES (which grow
 * with the API): a list here changes only by adding a new migration's list.
 */
import type { Dimension, Measure } from '../features/usage/kinds.js';

/** Migration 2 (and 3): the 2026-08-21 spec's dimensions and measures. */
export const DIMENSIONS_V2: readonly Dimension[] = [
  'project_id',
  'user_id',
  'api_key_id',
  'model',
  'batch',
  'service_tier',
  'size',
  'source',
  'vector_store_id',
  'context_level',
];
export const MEASURES_V2: readonly Measure[] = [
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
];
/** The usage kinds migration 3 knew (its project + model cube backfill). */
export const KINDS_V2 = [
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
] as const;

/** Migration 4 (newest openai SDK): the api_source dimension and the two cache-write measures. */
export const DIMENSIONS_V4: readonly Dimension[] = [...DIMENSIONS_V2, 'api_source'];
export const MEASURES_V4: readonly Measure[] = [...MEASURES_V2, 'input_cache_write_12h_tokens', 'input_cache_write_30m_tokens'];
/** cost_rollups key columns after migration 4 (user_id and api_source appended). */
export const COST_ROLLUP_KEY_V4 = [
  'org_id',
  'grain',
  'cube',
  'bucket',
  'line_item',
  'project_id',
  'api_key_id',
  'quantity_unit',
  'price_id',
  'user_id',
  'api_source',
] as const;
