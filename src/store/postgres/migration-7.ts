/** Migration 7 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-7.ts: the upstream mirror's cursors. */
export const syncCursorsSqlPg = `
  CREATE TABLE sync_cursors (
    org_id       text COLLATE "C" NOT NULL,
    stream       text COLLATE "C" NOT NULL,
    position     bigint NOT NULL,
    last_run_at  bigint NOT NULL,
    last_error   text,
    records      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, stream)
  );
`;
