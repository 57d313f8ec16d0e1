/**
 * Migration 9 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-9.ts: the
 * provider of a usage record. A nullable column: a metadata-only change on the partitioned parent,
 * no table rewrite.
 */
export const providerSqlPg = `
      ALTER TABLE usage_records ADD COLUMN provider text COLLATE "C";
`;
