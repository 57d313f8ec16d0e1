/** The log-streams extension operations of the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, INGEST_ERRORS, type OpenApiPaths } from '../../lib/openapi.js';
import { CreateLogStreamBody, LogStreamDeleted, LogStreamList, LogStreamObject, ReplayBody } from './schemas.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const idParam = [{ name: 'stream_id', in: 'path', required: true, schema: { type: 'string' } }];
const errorsWith404 = { ...INGEST_ERRORS, 404: INGEST_ERRORS[400] };

function op(operationId: string, summary: string, response: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    operationId,
    summary: `${summary} (orgledger extension)`,
    description: 'Needs the log_streams.manage scope. See docs/streams.md.',
    security: ADMIN_KEY_SECURITY,
    ...extra,
    responses: { 200: { description: 'OK', content: json(response) }, ...errorsWith404 },
  };
}

export function addLogStreamOperations(paths: OpenApiPaths): void {
  paths['/organization/log_streams'] = {
    get: op('list-log-streams', 'List log streams', LogStreamList),
    post: op('create-log-stream', 'Create a log stream; the answer holds its secrets, shown this once', LogStreamObject, {
      requestBody: { required: true, content: json(CreateLogStreamBody) },
    }),
  };
  paths['/organization/log_streams/{stream_id}'] = {
    get: op('retrieve-log-stream', 'Show a log stream: cursor, lag, counters, last error', LogStreamObject, { parameters: idParam }),
    delete: op('delete-log-stream', 'Remove a log stream', LogStreamDeleted, { parameters: idParam }),
  };
  paths['/organization/log_streams/{stream_id}/replay'] = {
    post: op('replay-log-stream', 'Re-send records from a sequence number or a time', LogStreamObject, {
      parameters: idParam,
      requestBody: { required: true, content: json(ReplayBody) },
    }),
  };
  paths['/organization/log_streams/{stream_id}/rotate_secret'] = {
    post: op('rotate-log-stream-secret', 'New webhook signing secret; the old one signs too for 24 hours', LogStreamObject, { parameters: idParam }),
  };
}
