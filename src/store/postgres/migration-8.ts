/**
 * Migration 8 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-8.ts: log
 * streams, the usage journal (a dense per-organization delivery order for usage records) and its
 * per-organization counter. The counter row is locked from the journal insert to commit, so commit
 * order is journal order within an organization: a cursor never skips a number committed late.
 */
export const logStreamsSqlPg = `
      CREATE TABLE log_streams (
        org_id            text COLLATE "C" NOT NULL,
        id                text COLLATE "C" NOT NULL,
        name              text NOT NULL,
        sink              text NOT NULL,
        records           text NOT NULL,
        filters           text NOT NULL,
        max_records       integer NOT NULL,
        max_wait_ms       integer NOT NULL,
        created_at        bigint NOT NULL,
        audit_cursor      bigint NOT NULL,
        usage_cursor      bigint NOT NULL,
        delivered         bigint NOT NULL DEFAULT 0,
        failed            bigint NOT NULL DEFAULT 0,
        retried           bigint NOT NULL DEFAULT 0,
        attempts          integer NOT NULL DEFAULT 0,
        status            text NOT NULL DEFAULT 'active',
        last_error        text,
        last_error_at     bigint,
        last_delivered_at bigint,
        lease_owner       text,
        lease_expires_at  bigint,
        PRIMARY KEY (org_id, id)
      );

      CREATE TABLE usage_journal (
        org_id       text COLLATE "C" NOT NULL,
        seq          bigint NOT NULL,
        kind         text COLLATE "C" NOT NULL,
        id           text COLLATE "C" NOT NULL,
        ingested_at  bigint NOT NULL DEFAULT extract(epoch from now())::bigint,
        PRIMARY KEY (org_id, seq)
      );

      CREATE TABLE usage_journal_heads (
        org_id  text COLLATE "C" NOT NULL PRIMARY KEY,
        seq     bigint NOT NULL
      );
`;
