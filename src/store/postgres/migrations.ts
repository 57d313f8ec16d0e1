/**
 * PostgreSQL schema, versioned like the SQLite one (a migration is never edited after it lands).
 * org_id leads every key: it is the distribution column of a Citus-style cluster (docs/postgres.md).
 * Every text column is COLLATE "C" so ordering by ids matches SQLite's byte order.
 * Audit events are range-partitioned by month on effective_at; month partitions are created by the
 * engine ahead of need (partitions.ts) and a default partition catches the rest.
 */
import type pg from 'pg';
import { projectModelCubeSql } from '../rollup-backfill.js';
import { DIMENSIONS_V2 as ALL_DIMENSIONS, MEASURES_V2 as ALL_MEASURES } from '../usage-columns.js';
import { backfillLedgerPg } from './ledger-store.js';
import { sdkColumnsSqlPg } from './migration-4.js';
import { PROVENANCE_SQL_PG } from './migration-5.js';
import { ledgerSchemaSqlPg } from './migration-6.js';
import { syncCursorsSqlPg } from './migration-7.js';
import { logStreamsSqlPg } from './migration-8.js';
import { providerSqlPg } from './migration-9.js';
import { retentionSqlPg } from './migration-10.js';
import { syncLocksSqlPg } from './migration-13.js';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
  /** Work SQL alone cannot do, run after `sql` in the same transaction. */
  run?: (client: pg.PoolClient) => Promise<void>;
}

export const postgresMigrations: PgMigration[] = [
  {
    version: 1,
    name: 'organizations, admin keys, audit events',
    sql: `
      CREATE TABLE organizations (
        id          text COLLATE "C" PRIMARY KEY,
        name        text NOT NULL,
        created_at  bigint NOT NULL,
        audit_seq   bigint NOT NULL DEFAULT 0
      );

      CREATE TABLE admin_keys (
        org_id          text COLLATE "C" NOT NULL REFERENCES organizations(id),
        id              text COLLATE "C" NOT NULL,
        name            text,
        secret_hash     text COLLATE "C" NOT NULL,
        redacted_value  text NOT NULL,
        created_at      bigint NOT NULL,
        expires_at      bigint,
        last_used_at    bigint,
        revoked_at      bigint,
        scopes          text NOT NULL,
        owner           text NOT NULL,
        PRIMARY KEY (org_id, id)
      );
      -- Authentication finds a key by its secret before it knows the organization: the one global key
      -- (on a distributed cluster admin_keys is a small reference table).
      CREATE UNIQUE INDEX admin_keys_secret_hash ON admin_keys (secret_hash);
      CREATE INDEX admin_keys_created ON admin_keys (org_id, created_at, id);

      -- The primary key doubles as the list index (every list filters org_id and tenant, orders by
      -- effective_at, seq); a partitioned table's unique keys must hold the partition column.
      CREATE TABLE audit_events (
        org_id        text COLLATE "C" NOT NULL,
        seq           bigint NOT NULL,
        id            text COLLATE "C" NOT NULL,
        effective_at  bigint NOT NULL,
        type          text COLLATE "C" NOT NULL,
        tenant        boolean NOT NULL,
        project_id    text COLLATE "C",
        actor_email   text COLLATE "C",
        resource_id   text COLLATE "C",
        content_hash  text NOT NULL,
        ingested_at   bigint NOT NULL,
        body          text NOT NULL,
        PRIMARY KEY (org_id, tenant, effective_at, seq)
      ) PARTITION BY RANGE (effective_at);
      CREATE INDEX audit_events_type ON audit_events (org_id, type, effective_at, seq);
      CREATE INDEX audit_events_project ON audit_events (org_id, project_id, effective_at, seq) WHERE project_id IS NOT NULL;
      CREATE INDEX audit_events_email ON audit_events (org_id, actor_email, effective_at, seq) WHERE actor_email IS NOT NULL;
      CREATE INDEX audit_events_resource ON audit_events (org_id, resource_id, effective_at, seq) WHERE resource_id IS NOT NULL;
      CREATE TABLE audit_events_default PARTITION OF audit_events DEFAULT;

      -- Unpartitioned: the idempotency lookup by (org_id, id) whatever the event's time, the cursor
      -- lookup (id -> position), and the global uniqueness of each organization's sequence numbers.
      CREATE TABLE audit_event_ids (
        org_id        text COLLATE "C" NOT NULL,
        id            text COLLATE "C" NOT NULL,
        effective_at  bigint NOT NULL,
        seq           bigint NOT NULL,
        content_hash  text NOT NULL,
        PRIMARY KEY (org_id, id),
        CONSTRAINT audit_event_ids_seq UNIQUE (org_id, seq)
      );

      -- An event's actor can be found by several ids (user, service account, API key).
      CREATE TABLE audit_event_actors (
        org_id        text COLLATE "C" NOT NULL,
        actor_id      text COLLATE "C" NOT NULL,
        effective_at  bigint NOT NULL,
        seq           bigint NOT NULL,
        PRIMARY KEY (org_id, actor_id, effective_at, seq)
      ) PARTITION BY RANGE (effective_at);
      CREATE TABLE audit_event_actors_default PARTITION OF audit_event_actors DEFAULT;
    `,
  },
  {
    version: 2,
    name: 'usage records, rollups, cost line items and entries',
    sql: usageSchemaPg(),
  },
  { version: 3, name: 'project and model rollup cube', sql: projectModelCubeSql() },
  { version: 4, name: 'api_source, cache-write 12h/30m measures, cost user_id and api_source', sql: sdkColumnsSqlPg() },
  { version: 5, name: 'provenance: ingested_by, request_id, ingested_at', sql: PROVENANCE_SQL_PG },
  { version: 6, name: 'tamper-evident ledger: stored hashes, usage leaves, checkpoints', sql: ledgerSchemaSqlPg, run: backfillLedgerPg },
  { version: 7, name: 'upstream mirror cursors', sql: syncCursorsSqlPg },
  { version: 8, name: 'log streams, usage journal', sql: logStreamsSqlPg },
  { version: 9, name: 'usage record provider', sql: providerSqlPg },
  { version: 10, name: 'retention policies, ledger prunes', sql: retentionSqlPg },
  { version: 13, name: 'upstream mirror lock', sql: syncLocksSqlPg },
];

/**
 * Migration 2, the PostgreSQL twin of SQLite's usage-schema.ts (same tables, columns and meanings):
 *
 * - usage_records: raw, immutable, range-partitioned by month on created_at like audit_events;
 *   usage_record_ids (unpartitioned) is the idempotency key (org_id, kind, id), since a unique key on
 *   the partitioned table would have to include created_at.
 * - usage_rollups: hourly and daily sums per cube; dropped dimensions and nulls are '' (batch: -1).
 * - cost_rollups, cost_entries, unpriced_usage: as on SQLite.
 * Measures are bigint (sums are cast back to bigint when read), cost quantities double precision.
 * Its columns are the frozen lists of usage-columns.ts (the live ones have grown since).
 */
function usageSchemaPg(): string {
  const measures = ALL_MEASURES.map((m) => `${m} bigint`).join(',\n        ');
  const text = (name: string, notNull: boolean) => `${name} text COLLATE "C"${notNull ? ' NOT NULL' : ''}`;
  const dims = (notNull: boolean) =>
    ALL_DIMENSIONS.map((d) => (d === 'batch' ? `batch smallint${notNull ? ' NOT NULL' : ''}` : text(d, notNull))).join(',\n        ');
  return `
      CREATE TABLE usage_records (
        org_id          text COLLATE "C" NOT NULL,
        kind            text COLLATE "C" NOT NULL,
        created_at      bigint NOT NULL,
        id              text COLLATE "C" NOT NULL,
        ${dims(false)},
        ${measures},
        price_id        text,
        content_hash    text,
        PRIMARY KEY (org_id, kind, created_at, id)
      ) PARTITION BY RANGE (created_at);
      CREATE TABLE usage_records_default PARTITION OF usage_records DEFAULT;

      CREATE TABLE usage_record_ids (
        org_id          text COLLATE "C" NOT NULL,
        kind            text COLLATE "C" NOT NULL,
        id              text COLLATE "C" NOT NULL,
        created_at      bigint NOT NULL,
        content_hash    text,
        PRIMARY KEY (org_id, kind, id)
      );

      CREATE TABLE usage_rollups (
        org_id          text COLLATE "C" NOT NULL,
        kind            text COLLATE "C" NOT NULL,
        grain           integer NOT NULL,
        cube            smallint NOT NULL,
        bucket          bigint NOT NULL,
        ${dims(true)},
        ${measures},
        latest_at       bigint,
        PRIMARY KEY (org_id, kind, grain, cube, bucket, ${ALL_DIMENSIONS.join(', ')})
      );

      CREATE TABLE cost_rollups (
        org_id          text COLLATE "C" NOT NULL,
        grain           integer NOT NULL,
        cube            smallint NOT NULL,
        bucket          bigint NOT NULL,
        line_item       text COLLATE "C" NOT NULL,
        project_id      text COLLATE "C" NOT NULL,
        api_key_id      text COLLATE "C" NOT NULL,
        quantity_unit   text COLLATE "C" NOT NULL,
        price_id        text COLLATE "C" NOT NULL,
        amount_nano     bigint NOT NULL,
        quantity        double precision NOT NULL,
        PRIMARY KEY (org_id, grain, cube, bucket, line_item, project_id, api_key_id, quantity_unit, price_id)
      );

      CREATE TABLE cost_entries (
        org_id          text COLLATE "C" NOT NULL,
        id              text COLLATE "C" NOT NULL,
        created_at      bigint NOT NULL,
        project_id      text COLLATE "C",
        api_key_id      text COLLATE "C",
        line_item       text COLLATE "C" NOT NULL,
        amount_nano     bigint NOT NULL,
        currency        text NOT NULL,
        quantity        double precision,
        quantity_unit   text COLLATE "C",
        content_hash    text,
        PRIMARY KEY (org_id, id)
      );
      CREATE INDEX cost_entries_time ON cost_entries (org_id, created_at);

      CREATE TABLE unpriced_usage (
        org_id      text COLLATE "C" NOT NULL,
        kind        text COLLATE "C" NOT NULL,
        model       text COLLATE "C" NOT NULL,
        tier        text COLLATE "C" NOT NULL,
        first_at    bigint NOT NULL,
        last_at     bigint NOT NULL,
        records     bigint NOT NULL,
        PRIMARY KEY (org_id, kind, model, tier)
      );
  `;
}

/** Advisory lock keys (two int4 halves: orgledger's namespace, then the purpose). */
export const LOCK_NAMESPACE = 0x6f4c4447; // 'oLDG'
export const LOCKS = {
  migrations: 1,
  partitions: 2,
} as const;
/** Transaction-level locks keyed by hashtext(text) live in their own namespaces. */
export const HASH_LOCK_NAMESPACES = {
  organization: 0x6f4c4401,
  keySecret: 0x6f4c4402,
  orgKeys: 0x6f4c4403,
} as const;

const CREATE_MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)';

async function appliedVersions(client: pg.PoolClient | pg.Pool): Promise<Set<number>> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return new Set();
  const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((r) => r.version));
}

/**
 * Applies pending migrations under a session advisory lock, so processes starting together migrate
 * one at a time (the others find nothing left to do). Each migration commits with its version row.
 */
export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  let applied = 0;
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, LOCKS.migrations]);
    try {
      await client.query(CREATE_MIGRATIONS_TABLE);
      const done = await appliedVersions(client);
      for (const m of postgresMigrations) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await m.run?.(client);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            Math.floor(Date.now() / 1000),
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
        }
        applied++;
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, LOCKS.migrations]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
  return applied;
}

export async function pendingPostgresMigrations(pool: pg.Pool): Promise<number> {
  const done = await appliedVersions(pool);
  return postgresMigrations.filter((m) => !done.has(m.version)).length;
}
