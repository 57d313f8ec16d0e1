/**
 * Migration 8 on SQLite (never edit after it lands): log streams, and the usage journal that gives
 * usage records a dense per-organization delivery order.
 *
 * - log_streams: a stream's settings (sink secrets included), its durable cursors (advanced only after
 *   the receiver acknowledged), counters, failure state, and the lease naming the one process that
 *   delivers it.
 * - usage_journal: one row per usage record inserted, numbered per organization in commit order. Usage
 *   records themselves are clustered by time and have no append position; the journal is a narrow
 *   append-only side table written in the same transaction, so the record insert path is unchanged.
 * - usage_journal_heads: the per-organization counter the journal numbers are taken from (a row of its
 *   own, so usage writers never wait on the organizations row audit writers lock).
 */
export const logStreamsSql = `
      CREATE TABLE log_streams (
        org_id            TEXT NOT NULL,
        id                TEXT NOT NULL,
        name              TEXT NOT NULL,
        sink              TEXT NOT NULL,
        records           TEXT NOT NULL,
        filters           TEXT NOT NULL,
        max_records       INTEGER NOT NULL,
        max_wait_ms       INTEGER NOT NULL,
        created_at        INTEGER NOT NULL,
        audit_cursor      INTEGER NOT NULL,
        usage_cursor      INTEGER NOT NULL,
        delivered         INTEGER NOT NULL DEFAULT 0,
        failed            INTEGER NOT NULL DEFAULT 0,
        retried           INTEGER NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0,
        status            TEXT NOT NULL DEFAULT 'active',
        last_error        TEXT,
        last_error_at     INTEGER,
        last_delivered_at INTEGER,
        lease_owner       TEXT,
        lease_expires_at  INTEGER,
        PRIMARY KEY (org_id, id)
      ) WITHOUT ROWID;

      CREATE TABLE usage_journal (
        org_id       TEXT NOT NULL,
        seq          INTEGER NOT NULL,
        kind         TEXT NOT NULL,
        id           TEXT NOT NULL,
        ingested_at  INTEGER NOT NULL DEFAULT (unixepoch()),
        PRIMARY KEY (org_id, seq)
      ) WITHOUT ROWID;

      CREATE TABLE usage_journal_heads (
        org_id  TEXT NOT NULL PRIMARY KEY,
        seq     INTEGER NOT NULL
      ) WITHOUT ROWID;
`;
