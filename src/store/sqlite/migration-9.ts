/**
 * Migration 9 on SQLite (never edit after it lands): the provider of a usage record (`openai`,
 * `anthropic`, `gcp.gemini`...), as OpenTelemetry GenAI spans name it (gen_ai.provider.name, formerly
 * gen_ai.system) or an ingest client sends it. Raw records only: rollups do not key on it, so a query
 * filtered by provider reads raw records (docs/otlp.md). Rows written before it keep null: nobody
 * recorded a provider then.
 */
export const providerSqlSqlite = `
      ALTER TABLE usage_records ADD COLUMN provider TEXT;
`;
