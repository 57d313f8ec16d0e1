/**
 * The JSON Schema validator for request bodies: Ajv, the same engine Fastify compiles route schemas
 * with, fed only by TypeBox schemas and the official spec's schemas. Its errors become a `param`
 * path such as `data[31].actor.type`.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export const ajv = new Ajv({ strict: false, allErrors: false, coerceTypes: false, useDefaults: false });

export function compile<T>(schema: object): ValidateFunction<T> {
  return ajv.compile<T>(schema);
}

/** Fastify's options for route schemas (app.ts): query strings are coerced and defaults filled in. */
/**
 * Route validation options, shared by Fastify and the CLI's local queries. strictNumbers: Infinity and
 * NaN are never numbers (a JSON 1e309 parses to Infinity). commaSeparated: an annotation read by the
 * query normalizer (http/query-string.ts).
 */
export const ROUTE_AJV_OPTIONS = {
  coerceTypes: 'array' as const,
  useDefaults: true,
  removeAdditional: false,
  allErrors: false,
  strictNumbers: true,
  keywords: ['commaSeparated'],
};

const routeAjv = new Ajv({ strict: false, ...ROUTE_AJV_OPTIONS });

/** A route's querystring schema compiled as Fastify compiles it, for callers that skip HTTP (the CLI on a local store). */
export function compileQuery<T>(schema: object): ValidateFunction<T> {
  return routeAjv.compile<T>(schema);
}

/** dotted: a[0].b, for bodies; brackets: a[0][b], as query parameters travel (effective_at[gte]). */
export type ParamStyle = 'dotted' | 'brackets';

/** Appends a JSON pointer (/a/0/b) to a param path. */
export function pointerToParam(base: string, pointer: string, style: ParamStyle = 'dotted'): string {
  let out = base;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (style === 'brackets' && out) out += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** The param path and a sentence for the first Ajv error. */
export function describeAjvError(base: string, error: ErrorObject, style: ParamStyle = 'dotted'): { param: string; message: string } {
  if (error.keyword === 'required') {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    const param = pointerToParam(base, `${error.instancePath}/${missing}`, style);
    return { param, message: `Missing required parameter: '${param}'.` };
  }
  const param = pointerToParam(base, error.instancePath, style);
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
    const list = allowed.length <= 12 ? `: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : ' (see GET /openapi.json)';
    return { param, message: `Invalid value for '${param}': must be one of the allowed values${list}.` };
  }
  if (error.keyword === 'additionalProperties') {
    const extra = (error.params as { additionalProperty: string }).additionalProperty;
    const extraParam = pointerToParam(base, `${error.instancePath}/${extra}`, style);
    return { param: extraParam, message: `Unrecognized parameter: '${extraParam}'.` };
  }
  return { param, message: `Invalid value for '${param}': ${error.message ?? 'invalid'}.` };
}
