/**
 * The OpenAPI document orgledger serves at GET /openapi.json: the official OpenAI operations (the
 * spec subset we ship) with the newer-SDK additions of src/spec/sdk-extensions.ts (marked
 * x-orgledger-extension), plus each feature's extension operations, whose schemas are the TypeBox
 * schemas its routes validate with.
 */
import { addAuditLogOperations } from './features/audit-logs/openapi-ops.js';
import { addCostOperations } from './features/costs/openapi-ops.js';
import { addDirectoryOperations } from './features/directory/openapi-ops.js';
import { addLedgerOperations } from './features/ledger/openapi-ops.js';
import { addLiveTailOperations } from './features/live-tail/openapi-ops.js';
import { addLogStreamOperations } from './features/log-streams/openapi-ops.js';
import { addOtlpOperations } from './features/otlp/openapi-ops.js';
import { addSyncOperations } from './features/sync/openapi-ops.js';
import { addUsageOperations } from './features/usage/openapi-ops.js';
import type { OpenApiPaths } from './lib/openapi.js';
import { servedSpec } from './spec/sdk-extensions.js';

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const official = servedSpec();
  const paths: OpenApiPaths = structuredClone(official.paths);
  for (const contribute of [
    addAuditLogOperations,
    addUsageOperations,
    addCostOperations,
    addLedgerOperations,
    addOtlpOperations,
    addLiveTailOperations,
    addDirectoryOperations,
    addLogStreamOperations,
    addSyncOperations,
  ])
    contribute(paths);
  return {
    ...official,
    info: {
      ...official.info,
      title: 'orgledger',
      version,
      description: 'The OpenAI organization Admin API (audit logs, usage, costs, admin keys) served by orgledger, plus its ingestion extensions.',
    },
    servers: [{ url: '/v1' }],
    paths,
  };
}
