/**
 * Migration 5 on SQLite (never edit after it lands): provenance of ingested records. Which admin key
 * ingested a record (ingested_by, null for what orgledger recorded itself) and the request id of the
 * ingest; usage records and cost entries also gain ingested_at (audit events have it since 1).
 * Rows written before this migration keep null: nobody recorded it then.
 */
export const PROVENANCE_SQL_SQLITE = `
      ALTER TABLE audit_events ADD COLUMN ingested_by TEXT;
      ALTER TABLE audit_events ADD COLUMN request_id TEXT;
      ALTER TABLE usage_records ADD COLUMN ingested_by TEXT;
      ALTER TABLE usage_records ADD COLUMN request_id TEXT;
      ALTER TABLE usage_records ADD COLUMN ingested_at INTEGER;
      ALTER TABLE cost_entries ADD COLUMN ingested_by TEXT;
      ALTER TABLE cost_entries ADD COLUMN request_id TEXT;
      ALTER TABLE cost_entries ADD COLUMN ingested_at INTEGER;
`;
