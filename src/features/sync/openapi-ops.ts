/** The mirror's extension operation of the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, type OpenApiPaths } from '../../lib/openapi.js';
import { SyncStatus } from './schemas.js';

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };

export function addSyncOperations(paths: OpenApiPaths): void {
  paths['/organization/sync'] = {
    get: {
      operationId: 'get-sync-status',
      summary: 'The upstream mirror: per-stream cursor, lag, last run and error, and the run in progress (orgledger extension)',
      description: 'Needs usage.read. Empty streams when this organization is not a mirror. See docs/sync.md.',
      security: ADMIN_KEY_SECURITY,
      responses: { 200: { description: 'The status', content: { 'application/json': { schema: SyncStatus } } }, 401: errorResponse, 403: errorResponse },
    },
  };
}
