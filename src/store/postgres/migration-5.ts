/**
 * Migration 5 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-5.ts:
 * provenance of ingested records (ingested_by key id, request_id, and ingested_at where missing).
 * Nullable columns: a metadata-only change on the partitioned parents, no table rewrite.
 */
export const PROVENANCE_SQL_PG = `
      ALTER TABLE audit_events ADD COLUMN ingested_by text;
      ALTER TABLE audit_events ADD COLUMN request_id text;
      ALTER TABLE usage_records ADD COLUMN ingested_by text;
      ALTER TABLE usage_records ADD COLUMN request_id text;
      ALTER TABLE usage_records ADD COLUMN ingested_at bigint;
      ALTER TABLE cost_entries ADD COLUMN ingested_by text;
      ALTER TABLE cost_entries ADD COLUMN request_id text;
      ALTER TABLE cost_entries ADD COLUMN ingested_at bigint;
`;
