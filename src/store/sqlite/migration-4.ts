/**
 * Migration 4 on SQLite (never edit after it lands): the newest openai SDK's api_source dimension and
 * cache-write 12h/30m measures on usage records and rollups, and user_id and api_source on cost
 * rollups. Raw records just gain nullable columns. The two rollup tables need the new columns in
 * their primary key, which SQLite cannot alter, so each is rebuilt (new table, copy, drop, rename);
 * existing rows get '' there, the stored "none", which is what they were: no record before this
 * migration had an api_source, and cost rollups never kept a user.
 */
import { COST_ROLLUP_KEY_V2, COST_ROLLUP_KEY_V4, costRollupKeySqliteDdl, DIMENSIONS_V2, DIMENSIONS_V4, MEASURES_V2, MEASURES_V4 } from '../usage-columns.js';

const NEW_MEASURES = MEASURES_V4.filter((m) => !MEASURES_V2.includes(m));

export function sdkColumnsSql(): string {
  // api_source defaults to '' (none), as on PostgreSQL: statements naming only the older columns
  // (migration 3's backfill) still insert.
  const dims = DIMENSIONS_V4.map((d) => `${d} ${d === 'batch' ? 'INTEGER' : 'TEXT'} NOT NULL${d === 'api_source' ? " DEFAULT ''" : ''}`).join(',\n        ');
  const measures = MEASURES_V4.map((m) => `${m} INTEGER`).join(',\n        ');
  const oldRollup = ['org_id', 'kind', 'grain', 'cube', 'bucket', ...DIMENSIONS_V2, ...MEASURES_V2, 'latest_at'].join(', ');
  const oldCost = COST_ROLLUP_KEY_V2;
  return `
      ALTER TABLE usage_records ADD COLUMN api_source TEXT;
      ${NEW_MEASURES.map((m) => `ALTER TABLE usage_records ADD COLUMN ${m} INTEGER;`).join('\n      ')}

      CREATE TABLE usage_rollups_v4 (
        org_id          TEXT NOT NULL,
        kind            TEXT NOT NULL,
        grain           INTEGER NOT NULL,
        cube            INTEGER NOT NULL,
        bucket          INTEGER NOT NULL,
        ${dims},
        ${measures},
        latest_at       INTEGER,
        PRIMARY KEY (org_id, kind, grain, cube, bucket, ${DIMENSIONS_V4.join(', ')})
      ) WITHOUT ROWID;
      INSERT INTO usage_rollups_v4 (${oldRollup}, api_source) SELECT ${oldRollup}, '' FROM usage_rollups;
      DROP TABLE usage_rollups;
      ALTER TABLE usage_rollups_v4 RENAME TO usage_rollups;

      CREATE TABLE cost_rollups_v4 (
        ${costRollupKeySqliteDdl(COST_ROLLUP_KEY_V4)},
        amount_nano     INTEGER NOT NULL,
        quantity        REAL NOT NULL,
        PRIMARY KEY (${COST_ROLLUP_KEY_V4.join(', ')})
      ) WITHOUT ROWID;
      INSERT INTO cost_rollups_v4 (${oldCost.join(', ')}, amount_nano, quantity, user_id, api_source)
        SELECT ${oldCost.join(', ')}, amount_nano, quantity, '', '' FROM cost_rollups;
      DROP TABLE cost_rollups;
      ALTER TABLE cost_rollups_v4 RENAME TO cost_rollups;
  `;
}
