/**
 * Migration 4 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-4.ts: the newest
 * openai SDK's api_source dimension and cache-write 12h/30m measures on usage records and rollups, and
 * user_id and api_source on cost rollups. Rollup keys gain the new columns (existing rows get '', the
 * stored "none", which is what they were: no record before this migration had an api_source, and cost
 * rollups never kept a user). Columns are added with the constant default '' (no table rewrite; it
 * also lets older statements that name only the migration-2 columns, like migration 3's backfill,
 * still insert); only the two primary keys are rebuilt.
 */
import { COST_ROLLUP_KEY_V4, DIMENSIONS_V4, MEASURES_V2, MEASURES_V4 } from '../usage-columns.js';

const NEW_MEASURES = MEASURES_V4.filter((m) => !MEASURES_V2.includes(m));

export function sdkColumnsSqlPg(): string {
  const measures = NEW_MEASURES.map((m) => `ADD COLUMN ${m} bigint`).join(', ');
  return `
      ALTER TABLE usage_records ADD COLUMN api_source text COLLATE "C", ${measures};
      ALTER TABLE usage_rollups ADD COLUMN api_source text COLLATE "C" NOT NULL DEFAULT '', ${measures};
      ALTER TABLE usage_rollups DROP CONSTRAINT usage_rollups_pkey,
        ADD PRIMARY KEY (org_id, kind, grain, cube, bucket, ${DIMENSIONS_V4.join(', ')});
      ALTER TABLE cost_rollups ADD COLUMN user_id text COLLATE "C" NOT NULL DEFAULT '',
        ADD COLUMN api_source text COLLATE "C" NOT NULL DEFAULT '';
      ALTER TABLE cost_rollups DROP CONSTRAINT cost_rollups_pkey, ADD PRIMARY KEY (${COST_ROLLUP_KEY_V4.join(', ')});
  `;
}
