/**
 * Validates response bodies against the official OpenAPI subset (spec/openai-admin-subset.json).
 * Success bodies use the operation's 200 schema; every error body the spec's ErrorResponse. The one
 * deliberate widening: AuditLogEventType also admits the four types the openai SDK 7.57 knows but
 * the 2026-08-21 spec does not yet list (spec/audit-log-event-types.json marks them). Operations
 * only the newest SDK has (GET /organization/usage/decisions) are checked against schemas written
 * from that SDK's types (sdk-schemas.ts), not against orgledger's own served extension.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { buildOpenApiDocument } from '../../src/openapi.js';
import { SDK_ONLY_RESPONSES } from './sdk-schemas.js';

const spec = JSON.parse(readFileSync(new URL('../../spec/openai-admin-subset.json', import.meta.url), 'utf8'));
const table = JSON.parse(readFileSync(new URL('../../spec/audit-log-event-types.json', import.meta.url), 'utf8')) as {
  event_types: { type: string }[];
};
const specEnum: string[] = spec.components.schemas.AuditLogEventType.enum;
export const SDK_ONLY_EVENT_TYPES = table.event_types.map((e) => e.type).filter((t) => !specEnum.includes(t));
spec.components.schemas.AuditLogEventType.enum = [...specEnum, ...SDK_ONLY_EVENT_TYPES];
spec.$id = 'spec.json';

const ajv = new Ajv({ strict: false, allErrors: true, formats: { unixtime: true } });
ajv.addSchema(spec);

const validators = new Map<string, ValidateFunction>();
function validatorFor(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: `spec.json${ref}` });
    validators.set(ref, v);
  }
  return v;
}

/**
 * The document orgledger serves at /openapi.json: the official operations plus our extensions. An
 * extension's responses (ingest, unpriced usage, ...) are checked against the schema it publishes.
 */
const served = buildOpenApiDocument('test') as { paths: Record<string, Record<string, any>> };
const servedValidators = new Map<string, ValidateFunction>();

/** The path template of `doc` matching a concrete /v1/organization/... path. */
function specPath(pathname: string, doc: { paths: Record<string, unknown> } = spec): string | null {
  const path = pathname.replace(/^\/v1/, '');
  for (const template of Object.keys(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (re.test(path)) return template;
  }
  return null;
}

export interface ContractResult {
  checked: boolean;
  errors: string[];
}

/** Checks one response; `checked` is false for routes outside the spec (our extensions). */
export function checkResponse(method: string, pathname: string, status: number, body: unknown): ContractResult {
  if (status >= 400) {
    const v = validatorFor('#/components/schemas/ErrorResponse');
    return { checked: true, errors: v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
  }
  const template = specPath(pathname);
  const sdkOnly = SDK_ONLY_RESPONSES[pathname.replace(/^\/v1/, '')];
  if (!template && sdkOnly && method.toUpperCase() === 'GET') {
    const v = ajv.compile(sdkOnly);
    return { checked: true, errors: v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
  }
  const op = template ? spec.paths[template]?.[method.toLowerCase()] : undefined;
  const schemaRef: string | undefined = op?.responses?.['200']?.content?.['application/json']?.schema?.$ref;
  if (!op) return checkExtension(method, pathname, body);
  if (!schemaRef) {
    const inline = op.responses?.['200']?.content?.['application/json']?.schema;
    if (!inline) return { checked: false, errors: [] };
    const v = ajv.compile(inline);
    return { checked: true, errors: v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
  }
  const v = validatorFor(schemaRef);
  return { checked: true, errors: v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
}

/** Checks a 200 of an orgledger extension against the schema the served document publishes for it. */
function checkExtension(method: string, pathname: string, body: unknown): ContractResult {
  const template = specPath(pathname, served);
  const op = template ? served.paths[template]?.[method.toLowerCase()] : undefined;
  const schema = op?.responses?.['200']?.content?.['application/json']?.schema;
  if (!template || !schema) return { checked: false, errors: [] };
  const key = `${method.toLowerCase()} ${template}`;
  let v = servedValidators.get(key);
  if (!v) {
    v = ajv.compile(schema);
    servedValidators.set(key, v);
  }
  return { checked: true, errors: v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) };
}

/** Every response body seen by contractFetch that broke the contract; tests assert it stays empty. */
export const contractViolations: { method: string; url: string; status: number; errors: string[] }[] = [];
export let contractChecks = 0;

/** A fetch for the openai SDK that checks every JSON response it receives against the spec. */
export const contractFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  const url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
  const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET');
  const text = await response.clone().text();
  if (!response.headers.get('x-request-id')) {
    contractViolations.push({ method, url: url.toString(), status: response.status, errors: ['missing x-request-id header'] });
  }
  // The ledger's checkpoints (text/plain) and tiles (octet-stream) are not JSON by design (C2SP formats).
  if (response.ok && /^(text\/plain|application\/octet-stream)/.test(response.headers.get('content-type') ?? '')) return response;
  // An event stream (the live tail) is not one JSON document; its events are checked by its own tests.
  if (response.ok && response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    contractViolations.push({ method, url: url.toString(), status: response.status, errors: ['body is not JSON'] });
    return response;
  }
  const result = checkResponse(method, url.pathname, response.status, body);
  if (result.checked) contractChecks++;
  if (result.errors.length > 0) contractViolations.push({ method, url: url.toString(), status: response.status, errors: result.errors });
  return response;
};
