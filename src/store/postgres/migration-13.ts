/** Migration 13 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-13.ts: the one-sync-at-a-time lock. */
export const syncLocksSqlPg = `
  CREATE TABLE sync_locks (
    org_id       text COLLATE "C" NOT NULL PRIMARY KEY,
    owner        text NOT NULL,
    host         text NOT NULL,
    pid          integer NOT NULL,
    acquired_at  bigint NOT NULL,
    expires_at   bigint NOT NULL
  );
`;
