/**
 * The query-string parser for every route. It folds the encodings real clients send into one shape
 * the route schemas validate:
 *   x[]=a&x[]=b (the openai SDK, brackets percent-encoded), x=a&x=b (curl, requests), x[0]=a (qs
 *   indices)  ->  { x: ['a', 'b'] }  (a lone x=a stays a string; schemas coerce it to an array)
 *   effective_at[gte]=1  ->  { effective_at: { gte: '1' } }
 * Empty values (`after=`, which the SDK sends for null) count as absent. There is no limit on the
 * number of values (qs would turn more than 20 into an object).
 *
 * The parser knows only names; queryNormalizer() then reads each route's querystring schema, which
 * knows the types, and before validation: splits comma-joined values of array parameters (Elastic
 * sends `group_by=project_id%2Cmodel`), reads `True`/`False` (Python) as booleans, and admits only
 * plain decimal safe integers for integer parameters (Ajv's coercion would take `1e309`, `Infinity`,
 * `0x10`, ` 1`).
 */
import type { FastifyInstance } from 'fastify';
import { errors } from '../lib/errors.js';

export type ParsedQuery = Record<string, string | string[] | Record<string, string>>;

const BRACKETED = /^([^[\]]+)\[([^[\]]*)\]$/;

export function parseQueryString(raw: string): ParsedQuery {
  const out: ParsedQuery = Object.create(null) as ParsedQuery;
  const params = new URLSearchParams(raw);
  for (const [rawKey, value] of params) {
    if (value === '') continue;
    const match = BRACKETED.exec(rawKey);
    if (!match) {
      append(out, rawKey, value, false);
      continue;
    }
    const [, name, inner] = match as unknown as [string, string, string];
    if (inner === '' || /^\d+$/.test(inner)) {
      append(out, name, value, true);
    } else {
      const current = out[name];
      const obj = current && typeof current === 'object' && !Array.isArray(current) ? current : (Object.create(null) as Record<string, string>);
      obj[inner] = value;
      out[name] = obj;
    }
  }
  return out;
}

function append(out: ParsedQuery, name: string, value: string, forceArray: boolean): void {
  const current = out[name];
  if (current === undefined) out[name] = forceArray ? [value] : value;
  else if (Array.isArray(current)) current.push(value);
  else if (typeof current === 'string') out[name] = [current, value];
  // a name used both as an object (x[k]=) and a scalar keeps the object; validation reports it
}

type Rule = { type: 'array'; split: boolean } | { type: 'integer' } | { type: 'boolean' } | { type: 'object'; children: Map<string, Rule> };
type Schema = { type?: unknown; properties?: Record<string, Schema>; commaSeparated?: boolean };

/** Set `commaSeparated: false` on an array parameter whose values may hold commas (costs line_items). */
export const NOT_COMMA_SEPARATED = { commaSeparated: false } as const;

function rulesOf(schema: Schema | undefined): Map<string, Rule> {
  const rules = new Map<string, Rule>();
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    if (prop.type === 'array') rules.set(name, { type: 'array', split: prop.commaSeparated !== false });
    else if (prop.type === 'integer' || prop.type === 'boolean') rules.set(name, { type: prop.type });
    else if (prop.type === 'object' && prop.properties) rules.set(name, { type: 'object', children: rulesOf(prop) });
  }
  return rules;
}

const DECIMAL = /^-?\d+$/;

function integerOf(param: string, value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isSafeInteger(n)) {
    const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    throw errors.invalidParam(param, `Invalid value for '${param}': must be a plain decimal integer (a safe integer), got ${JSON.stringify(shown)}.`);
  }
  return n === 0 ? 0 : n;
}

function apply(rules: Map<string, Rule>, query: Record<string, unknown>, prefix: string): void {
  for (const [name, rule] of rules) {
    const value = query[name];
    if (value === undefined) continue;
    const param = prefix ? `${prefix}[${name}]` : name;
    if (rule.type === 'array') {
      if (!rule.split || (typeof value !== 'string' && !Array.isArray(value))) continue;
      const parts = [value]
        .flat()
        .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
        .filter((v) => v !== '');
      if (parts.length) query[name] = parts;
      else delete query[name];
    } else if (rule.type === 'integer') {
      if (typeof value === 'string') query[name] = integerOf(param, value);
      else if (Array.isArray(value)) query[name] = value.map((v) => (typeof v === 'string' ? integerOf(param, v) : v));
    } else if (rule.type === 'boolean') {
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) query[name] = value.toLowerCase() === 'true';
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      apply(rule.children, value as Record<string, unknown>, param);
    }
  }
}

/** The normalizer of a route's querystring schema, or null when it has nothing to normalize. */
export function queryNormalizer(schema: unknown): ((query: Record<string, unknown>) => void) | null {
  const rules = rulesOf(schema as Schema | undefined);
  return rules.size ? (query) => apply(rules, query, '') : null;
}

/** Adds the normalizer of each route's querystring schema as its first preValidation hook. */
export function registerQueryNormalization(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const normalize = queryNormalizer(route.schema?.querystring);
    if (!normalize) return;
    const hook = async (request: { query: unknown }) => {
      if (request.query && typeof request.query === 'object') normalize(request.query as Record<string, unknown>);
    };
    const existing = route.preValidation ? [route.preValidation].flat() : [];
    route.preValidation = [hook, ...existing] as typeof route.preValidation;
  });
}
