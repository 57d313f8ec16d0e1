/** The ledger extension operations of the served OpenAPI document (src/openapi.ts). */
import { ADMIN_KEY_SECURITY, type OpenApiPaths } from '../../lib/openapi.js';
import { LOG_NAMES } from './leaf-data.js';
import { ConsistencyProof, InclusionProof, LedgerSummary, RetentionSummary, RetentionUpdate } from './schemas.js';

const errorResponse = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } } };
const ERRORS = Object.fromEntries([400, 401, 403, 404].map((s) => [s, errorResponse]));
const json = (description: string, schema: unknown) => ({ 200: { description, content: { 'application/json': { schema } } }, ...ERRORS });
const sizeParam = (name: string, required: boolean, description: string) => ({
  name,
  in: 'query',
  required,
  schema: { type: 'integer', minimum: 0 },
  description,
});

export function addLedgerOperations(paths: OpenApiPaths): void {
  paths['/organization/ledger'] = {
    get: {
      operationId: 'get-ledger',
      summary: "The organization's tamper-evident logs and verifier key (orgledger extension)",
      description: 'Needs audit_logs.read. See docs/ledger.md.',
      security: ADMIN_KEY_SECURITY,
      responses: json('The logs and their latest checkpoints', LedgerSummary),
    },
  };
  paths['/organization/ledger/retention'] = {
    get: {
      operationId: 'get-ledger-retention',
      summary: "The organization's retention of audit and usage record bodies, and what was pruned (orgledger extension)",
      description: 'Needs audit_logs.read. See docs/ledger.md, Retention.',
      security: ADMIN_KEY_SECURITY,
      responses: json('Retention per log', RetentionSummary),
    },
    post: {
      operationId: 'set-ledger-retention',
      summary: 'Sets (seconds) or removes (0) the retention of audit and usage record bodies (orgledger extension)',
      description: "Needs admin_api_keys.manage. Applied by serve's retention job or `orgledger retention apply`.",
      security: ADMIN_KEY_SECURITY,
      requestBody: { required: true, content: { 'application/json': { schema: RetentionUpdate } } },
      responses: json('Retention per log', RetentionSummary),
    },
  };
  for (const log of LOG_NAMES) {
    const scope = log === 'audit' ? 'audit_logs.read' : 'usage.read';
    const base = `/organization/ledger/${log}`;
    paths[`${base}/checkpoint`] = {
      get: {
        operationId: `get-ledger-${log}-checkpoint`,
        summary: `The latest signed checkpoint of the ${log} log, or the one of tree_size (orgledger extension)`,
        description: `A C2SP tlog-checkpoint signed as a C2SP signed-note (Ed25519). Needs ${scope}.`,
        security: ADMIN_KEY_SECURITY,
        parameters: [sizeParam('tree_size', false, 'the size of a checkpoint signed earlier')],
        responses: { 200: { description: 'The signed note', content: { 'text/plain': { schema: { type: 'string' } } } }, ...ERRORS },
      },
    };
    paths[`${base}/tile/{tile_path}`] = {
      get: {
        operationId: `get-ledger-${log}-tile`,
        summary: `A C2SP tlog-tiles tile of the ${log} log (orgledger extension)`,
        description: `<L>/<N>[.p/<W>] for hash tiles (height 8), entries/<N>[.p/<W>] for entry bundles; N in the x001/x234/067 form. Needs ${scope}.`,
        security: ADMIN_KEY_SECURITY,
        parameters: [{ name: 'tile_path', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: 'Tile bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } }, ...ERRORS },
      },
    };
    paths[`${base}/pruned`] = {
      get: {
        operationId: `get-ledger-${log}-pruned`,
        summary: `The latest signed record of what retention pruned from the ${log} log (orgledger extension)`,
        description: `A signed note: origin, \`pruned <size>\` (leaves below it may have no record; their hashes stay), Unix time. Needs ${scope}.`,
        security: ADMIN_KEY_SECURITY,
        responses: { 200: { description: 'The signed note', content: { 'text/plain': { schema: { type: 'string' } } } }, ...ERRORS },
      },
    };
    paths[`${base}/proof/inclusion`] = {
      get: {
        operationId: `get-ledger-${log}-inclusion-proof`,
        summary: `RFC 9162 inclusion proof of a record in the ${log} log (orgledger extension)`,
        description: `Needs ${scope}. The tree size defaults to the latest checkpoint's.`,
        security: ADMIN_KEY_SECURITY,
        parameters: [{ name: 'id', in: 'query', required: true, schema: { type: 'string' } }, sizeParam('tree_size', false, 'tree size to prove against')],
        responses: json('The proof', InclusionProof),
      },
    };
    paths[`${base}/proof/consistency`] = {
      get: {
        operationId: `get-ledger-${log}-consistency-proof`,
        summary: `RFC 9162 consistency proof between two sizes of the ${log} log (orgledger extension)`,
        description: `Needs ${scope}.`,
        security: ADMIN_KEY_SECURITY,
        parameters: [sizeParam('first', true, 'the smaller tree size'), sizeParam('second', true, 'the larger tree size')],
        responses: json('The proof', ConsistencyProof),
      },
    };
  }
}
