/**
 * Migration 2: usage records, their rollups, cost line items and cost entries. Never edit after it
 * lands. Every key starts with org_id.
 *
 * - usage_records: raw, immutable, clustered by time (1m buckets and unaligned queries scan it);
 *   the unique (org_id, kind, id) index is the idempotency key.
 * - usage_rollups: hourly (grain 3600) and daily (grain 86400) sums per "cube" (a set of kept
 *   dimensions; cube 0 keeps all of them, narrower cubes serve coarse group_by cheaply). Dimensions a
 *   cube drops, and nulls, are stored as '' (batch: -1) so they can sit in the primary key.
 * - cost_rollups: cost line items per day (cube 0 keeps project, key, line item, unit and the price
 *   id used; narrower cubes as for usage). The grain column leaves room for hourly costs.
 */
import { COST_ROLLUP_KEY_V2, costRollupKeySqliteDdl, MEASURES_V2 } from '../usage-columns.js';

// The measures as migration 2 created them (frozen: see usage-columns.ts).
const measureColumns = MEASURES_V2.map((m) => `${m} INTEGER`).join(',\n        ');

export const usageSchemaSql = `
      CREATE TABLE usage_records (
        org_id          TEXT NOT NULL,
        kind            TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        id              TEXT NOT NULL,
        project_id      TEXT,
        user_id         TEXT,
        api_key_id      TEXT,
        model           TEXT,
        batch           INTEGER,
        service_tier    TEXT,
        size            TEXT,
        source          TEXT,
        vector_store_id TEXT,
        context_level   TEXT,
        ${measureColumns},
        price_id        TEXT,
        content_hash    TEXT,
        PRIMARY KEY (org_id, kind, created_at, id)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX usage_records_id ON usage_records (org_id, kind, id);

      CREATE TABLE usage_rollups (
        org_id          TEXT NOT NULL,
        kind            TEXT NOT NULL,
        grain           INTEGER NOT NULL,
        cube            INTEGER NOT NULL,
        bucket          INTEGER NOT NULL,
        project_id      TEXT NOT NULL,
        user_id         TEXT NOT NULL,
        api_key_id      TEXT NOT NULL,
        model           TEXT NOT NULL,
        batch           INTEGER NOT NULL,
        service_tier    TEXT NOT NULL,
        size            TEXT NOT NULL,
        source          TEXT NOT NULL,
        vector_store_id TEXT NOT NULL,
        context_level   TEXT NOT NULL,
        ${measureColumns},
        latest_at       INTEGER,
        PRIMARY KEY (org_id, kind, grain, cube, bucket, project_id, user_id, api_key_id, model, batch, service_tier, size, source, vector_store_id, context_level)
      ) WITHOUT ROWID;

      CREATE TABLE cost_rollups (
        ${costRollupKeySqliteDdl(COST_ROLLUP_KEY_V2)},
        amount_nano     INTEGER NOT NULL,
        quantity        REAL NOT NULL,
        PRIMARY KEY (${COST_ROLLUP_KEY_V2.join(', ')})
      ) WITHOUT ROWID;

      CREATE TABLE cost_entries (
        org_id          TEXT NOT NULL,
        id              TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        project_id      TEXT,
        api_key_id      TEXT,
        line_item       TEXT NOT NULL,
        amount_nano     INTEGER NOT NULL,
        currency        TEXT NOT NULL,
        quantity        REAL,
        quantity_unit   TEXT,
        content_hash    TEXT,
        PRIMARY KEY (org_id, id)
      ) WITHOUT ROWID;
      CREATE INDEX cost_entries_time ON cost_entries (org_id, created_at);

      CREATE TABLE unpriced_usage (
        org_id      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        model       TEXT NOT NULL,
        tier        TEXT NOT NULL,
        first_at    INTEGER NOT NULL,
        last_at     INTEGER NOT NULL,
        records     INTEGER NOT NULL,
        PRIMARY KEY (org_id, kind, model, tier)
      ) WITHOUT ROWID;
`;
