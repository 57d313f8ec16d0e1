/** The directory extension operation of the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, INGEST_ERRORS, type OpenApiPaths } from '../../lib/openapi.js';
import { DirectoryResponse } from './schemas.js';

export function addDirectoryOperations(paths: OpenApiPaths): void {
  paths['/organization/directory'] = {
    get: {
      operationId: 'get-directory',
      summary: 'Names of the projects, users, service accounts and keys the records mention (orgledger extension)',
      description:
        'Learned from the newest 5,000 audit events, the newest 2,000 events naming a project, user, service account or API key, and the admin keys orgledger issued; cached for 15 seconds per organization. Needs the audit_logs.read scope.',
      security: ADMIN_KEY_SECURITY,
      responses: { 200: { description: 'The directory', content: { 'application/json': { schema: DirectoryResponse } } }, ...INGEST_ERRORS },
    },
  };
}
