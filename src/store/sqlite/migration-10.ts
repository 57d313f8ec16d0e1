/**
 * Migration 10 on SQLite (never edit after it lands): retention (docs/ledger.md, "Retention").
 * retention_policies: per organization and log, how long record bodies are kept. ledger_prunes: every
 * prune retention applied, as the signed note that says "leaves below pruned_size of this log were
 * pruned by retention" (the leaf hashes stay in ledger_hashes; `verify` tells these leaves apart from
 * rows deleted behind orgledger's back by this signed record).
 */
export const retentionSql = `
  CREATE TABLE retention_policies (
    org_id      TEXT NOT NULL,
    log         TEXT NOT NULL,
    seconds     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (org_id, log)
  ) WITHOUT ROWID;
  CREATE TABLE ledger_prunes (
    org_id       TEXT NOT NULL,
    log          TEXT NOT NULL,
    pruned_size  INTEGER NOT NULL,
    pruned_at    INTEGER NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (org_id, log, pruned_size)
  ) WITHOUT ROWID;
`;
