/** The OTLP receiver in the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, type OpenApiPaths } from '../../lib/openapi.js';

const status = {
  type: 'object',
  description: 'google.rpc.Status, as OTLP/HTTP prescribes (protobuf for protobuf requests). The JSON form also carries `error`, the OpenAI error envelope.',
  properties: { code: { type: 'integer' }, message: { type: 'string' }, error: { $ref: '#/components/schemas/Error' } },
};
const statusResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: status }, 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } } },
});

export function addOtlpOperations(paths: OpenApiPaths): void {
  paths['/traces'] = {
    post: {
      operationId: 'otlp-export-traces',
      summary: 'Receive OpenTelemetry traces over OTLP/HTTP and record the usage of GenAI spans (orgledger extension)',
      description:
        'OTLP/HTTP 1.x trace export: an ExportTraceServiceRequest as application/x-protobuf or application/json, optionally gzip (Content-Encoding). Spans carrying GenAI usage (gen_ai.usage.* tokens) become usage records with id otel:<trace_id>:<span_id>, so a retried export counts nothing twice; other spans are ignored. Spans whose usage cannot be read are rejected and reported in partialSuccess. Needs the usage.write scope. See docs/otlp.md.',
      security: ADMIN_KEY_SECURITY,
      requestBody: {
        required: true,
        content: { 'application/x-protobuf': { schema: { type: 'string', format: 'binary' } }, 'application/json': { schema: { type: 'object' } } },
      },
      responses: {
        200: {
          description: 'ExportTraceServiceResponse; partialSuccess only when spans were rejected',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  partialSuccess: { type: 'object', properties: { rejectedSpans: { type: 'string' }, errorMessage: { type: 'string' } } },
                },
              },
            },
            'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
          },
        },
        400: statusResponse('Not a valid export request (not retryable)'),
        401: statusResponse('No valid admin key'),
        403: statusResponse('The key lacks usage.write'),
        413: statusResponse('Body, or its gzip inflation, larger than the body limit'),
        415: statusResponse('Content type other than protobuf or JSON, or an encoding other than gzip'),
        429: statusResponse('The writer is behind; retry after Retry-After'),
        503: statusResponse('The store is unavailable; retry after Retry-After'),
      },
    },
  };
}
