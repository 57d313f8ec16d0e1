/**
 * Migration 10 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-10.ts:
 * retention policies and the signed records of what retention pruned. org_id leads every key.
 */
export const retentionSqlPg = `
  CREATE TABLE retention_policies (
    org_id      text COLLATE "C" NOT NULL,
    log         text COLLATE "C" NOT NULL,
    seconds     bigint NOT NULL,
    updated_at  bigint NOT NULL,
    PRIMARY KEY (org_id, log)
  );
  CREATE TABLE ledger_prunes (
    org_id       text COLLATE "C" NOT NULL,
    log          text COLLATE "C" NOT NULL,
    pruned_size  bigint NOT NULL,
    pruned_at    bigint NOT NULL,
    note         text NOT NULL,
    PRIMARY KEY (org_id, log, pruned_size)
  );
`;
