/**
 * SQLite schema, versioned. A migration is never edited after it lands; add a new one instead.
 * org_id leads every primary key and index (see docs/adr/0001-store-shape.md).
 */
import { projectModelCubeSql } from '../rollup-backfill.js';
import { backfillLedgerSqlite } from './ledger-store.js';
import { sdkColumnsSql } from './migration-4.js';
import { PROVENANCE_SQL_SQLITE } from './migration-5.js';
import { ledgerSchemaSql } from './migration-6.js';
import { syncCursorsSql } from './migration-7.js';
import { logStreamsSql } from './migration-8.js';
import { providerSqlSqlite } from './migration-9.js';
import { retentionSql } from './migration-10.js';
import { syncLocksSql } from './migration-13.js';
import { usageSchemaSql } from './usage-schema.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
  /** Work SQL alone cannot do, run after `sql` in the same transaction. */
  run?: (db: import('better-sqlite3').Database) => void;
}

export const sqliteMigrations: Migration[] = [
  {
    version: 1,
    name: 'organizations, admin keys, audit events',
    sql: `
      CREATE TABLE organizations (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        audit_seq   INTEGER NOT NULL DEFAULT 0
      );

      CREATE TABLE admin_keys (
        org_id          TEXT NOT NULL REFERENCES organizations(id),
        id              TEXT NOT NULL,
        name            TEXT,
        secret_hash     TEXT NOT NULL UNIQUE,
        redacted_value  TEXT NOT NULL,
        created_at      INTEGER NOT NULL,
        expires_at      INTEGER,
        last_used_at    INTEGER,
        revoked_at      INTEGER,
        scopes          TEXT NOT NULL,
        owner           TEXT NOT NULL,
        PRIMARY KEY (org_id, id)
      ) WITHOUT ROWID;
      CREATE INDEX admin_keys_created ON admin_keys (org_id, created_at, id);

      CREATE TABLE audit_events (
        org_id        TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        id            TEXT NOT NULL,
        effective_at  INTEGER NOT NULL,
        type          TEXT NOT NULL,
        tenant        INTEGER NOT NULL,
        project_id    TEXT,
        actor_email   TEXT,
        resource_id   TEXT,
        content_hash  TEXT NOT NULL,
        ingested_at   INTEGER NOT NULL,
        body          TEXT NOT NULL,
        PRIMARY KEY (org_id, seq)
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX audit_events_id ON audit_events (org_id, id);
      CREATE INDEX audit_events_time ON audit_events (org_id, tenant, effective_at, seq);
      CREATE INDEX audit_events_type ON audit_events (org_id, type, effective_at, seq);
      CREATE INDEX audit_events_project ON audit_events (org_id, project_id, effective_at, seq) WHERE project_id IS NOT NULL;
      CREATE INDEX audit_events_email ON audit_events (org_id, actor_email, effective_at, seq) WHERE actor_email IS NOT NULL;
      CREATE INDEX audit_events_resource ON audit_events (org_id, resource_id, effective_at, seq) WHERE resource_id IS NOT NULL;

      -- An event's actor can be found by several ids (user, service account, API key).
      CREATE TABLE audit_event_actors (
        org_id        TEXT NOT NULL,
        actor_id      TEXT NOT NULL,
        effective_at  INTEGER NOT NULL,
        seq           INTEGER NOT NULL,
        PRIMARY KEY (org_id, actor_id, effective_at, seq)
      ) WITHOUT ROWID;
    `,
  },
  { version: 2, name: 'usage records, rollups, cost line items and entries', sql: usageSchemaSql },
  { version: 3, name: 'project and model rollup cube', sql: projectModelCubeSql() },
  { version: 4, name: 'api_source, cache-write 12h/30m measures, cost user_id and api_source', sql: sdkColumnsSql() },
  { version: 5, name: 'provenance: ingested_by, request_id, ingested_at', sql: PROVENANCE_SQL_SQLITE },
  { version: 6, name: 'tamper-evident ledger: stored hashes, usage leaves, checkpoints', sql: ledgerSchemaSql, run: backfillLedgerSqlite },
  { version: 7, name: 'upstream mirror cursors', sql: syncCursorsSql },
  { version: 8, name: 'log streams, usage journal', sql: logStreamsSql },
  { version: 9, name: 'usage record provider', sql: providerSqlSqlite },
  { version: 10, name: 'retention policies, ledger prunes', sql: retentionSql },
  { version: 13, name: 'upstream mirror lock', sql: syncLocksSql },
];
