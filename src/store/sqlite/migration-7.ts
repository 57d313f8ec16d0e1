/** Migration 7 on SQLite (never edit after it lands): the upstream mirror's per-stream cursors (`orgledger sync`). */
export const syncCursorsSql = `
  CREATE TABLE sync_cursors (
    org_id       TEXT NOT NULL,
    stream       TEXT NOT NULL,
    position     INTEGER NOT NULL,
    last_run_at  INTEGER NOT NULL,
    last_error   TEXT,
    records      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, stream)
  ) WITHOUT ROWID;
`;
