/**
 * Migration 6 on SQLite (never edit after it lands): the tamper-evident ledger (docs/ledger.md).
 * ledger_logs: each organization's log sizes; ledger_hashes: every stored hash of each log in Go
 * tlog's layout (hex); ledger_usage_leaves: which record each usage-log leaf is; ledger_checkpoints:
 * every signed checkpoint. Existing rows get their logs built right after the tables exist.
 */
export const ledgerSchemaSql = `
  CREATE TABLE ledger_logs (
    org_id  TEXT NOT NULL,
    log     TEXT NOT NULL,
    size    INTEGER NOT NULL,
    PRIMARY KEY (org_id, log)
  ) WITHOUT ROWID;
  CREATE TABLE ledger_hashes (
    org_id  TEXT NOT NULL,
    log     TEXT NOT NULL,
    idx     INTEGER NOT NULL,
    hash    TEXT NOT NULL,
    PRIMARY KEY (org_id, log, idx)
  ) WITHOUT ROWID;
  CREATE TABLE ledger_usage_leaves (
    org_id      TEXT NOT NULL,
    leaf_index  INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, leaf_index)
  ) WITHOUT ROWID;
  CREATE INDEX ledger_usage_leaves_record ON ledger_usage_leaves (org_id, record_id);
  CREATE TABLE ledger_checkpoints (
    org_id     TEXT NOT NULL,
    log        TEXT NOT NULL,
    tree_size  INTEGER NOT NULL,
    root_hash  TEXT NOT NULL,
    signed_at  INTEGER NOT NULL,
    note       TEXT NOT NULL,
    PRIMARY KEY (org_id, log, tree_size)
  ) WITHOUT ROWID;
`;
