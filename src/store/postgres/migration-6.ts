/**
 * Migration 6 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-6.ts: the
 * tamper-evident ledger (docs/ledger.md). org_id leads every key (distributed by org_id on Citus).
 */
export const ledgerSchemaSqlPg = `
  CREATE TABLE ledger_logs (
    org_id  text COLLATE "C" NOT NULL,
    log     text COLLATE "C" NOT NULL,
    size    bigint NOT NULL,
    PRIMARY KEY (org_id, log)
  );
  CREATE TABLE ledger_hashes (
    org_id  text COLLATE "C" NOT NULL,
    log     text COLLATE "C" NOT NULL,
    idx     bigint NOT NULL,
    hash    text NOT NULL,
    PRIMARY KEY (org_id, log, idx)
  );
  CREATE TABLE ledger_usage_leaves (
    org_id      text COLLATE "C" NOT NULL,
    leaf_index  bigint NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    record_id   text COLLATE "C" NOT NULL,
    created_at  bigint NOT NULL,
    PRIMARY KEY (org_id, leaf_index)
  );
  CREATE INDEX ledger_usage_leaves_record ON ledger_usage_leaves (org_id, record_id);
  CREATE TABLE ledger_checkpoints (
    org_id     text COLLATE "C" NOT NULL,
    log        text COLLATE "C" NOT NULL,
    tree_size  bigint NOT NULL,
    root_hash  text NOT NULL,
    signed_at  bigint NOT NULL,
    note       text NOT NULL,
    PRIMARY KEY (org_id, log, tree_size)
  );
`;
