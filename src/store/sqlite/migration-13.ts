/**
 * Migration 13 on SQLite (never edit after it lands): the lock that lets one `orgledger sync` (or one
 * serve sync loop) mirror an organization at a time. A lease: the holder renews `expires_at` while it
 * runs and deletes the row when done; an expired row, or one whose process is gone, may be taken over.
 */
export const syncLocksSql = `
  CREATE TABLE sync_locks (
    org_id       TEXT NOT NULL PRIMARY KEY,
    owner        TEXT NOT NULL,
    host         TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    acquired_at  INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  ) WITHOUT ROWID;
`;
