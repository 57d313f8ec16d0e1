/**
 * The usage dimension and measure columns as each migration created them. Migrations are never
 * edited, so they read these frozen lists, never the live ALL_DIMENSIONS / ALL_MEASURES (which grow
 * with the API): a list here changes only by adding a new migration's list.
 */
import { type Dimension, type Measure, SPEC_2026_08_21 } from '../features/usage/kinds.js';

/** Migration 2 (and 3): the 2026-08-21 spec's dimensions and measures (a closed set, see kinds.ts). */
export const DIMENSIONS_V2: readonly Dimension[] = SPEC_2026_08_21.dimensions;
export const MEASURES_V2: readonly Measure[] = SPEC_2026_08_21.measures;
/** The usage kinds migration 3 knew (its project + model cube backfill). */
export const KINDS_V2 = SPEC_2026_08_21.kinds;

/** Migration 4 (newest openai SDK): the api_source dimension and the two cache-write measures. */
export const DIMENSIONS_V4: readonly Dimension[] = [...DIMENSIONS_V2, 'api_source'];
export const MEASURES_V4: readonly Measure[] = [...MEASURES_V2, 'input_cache_write_12h_tokens', 'input_cache_write_30m_tokens'];
/** cost_rollups key columns as migration 2 created them. */
export const COST_ROLLUP_KEY_V2 = ['org_id', 'grain', 'cube', 'bucket', 'line_item', 'project_id', 'api_key_id', 'quantity_unit', 'price_id'] as const;
/** cost_rollups key columns after migration 4 (user_id and api_source appended). */
export const COST_ROLLUP_KEY_V4 = [...COST_ROLLUP_KEY_V2, 'user_id', 'api_source'] as const;

/**
 * SQLite column definitions of cost_rollups key columns (grain, cube and bucket are integers, the
 * rest text; columns added after migration 2 default to '', the stored "none").
 */
export function costRollupKeySqliteDdl(columns: readonly string[]): string {
  return columns
    .map((c) => {
      const type = c === 'grain' || c === 'cube' || c === 'bucket' ? 'INTEGER' : 'TEXT';
      const added = !(COST_ROLLUP_KEY_V2 as readonly string[]).includes(c);
      return `${c.padEnd(15)} ${type} NOT NULL${added ? " DEFAULT ''" : ''}`;
    })
    .join(',\n        ');
}
