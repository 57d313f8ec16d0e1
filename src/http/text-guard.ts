/**
 * Strings every engine stores and every client reads alike, checked once at the boundary: request
 * bodies (from body-parsers.ts), query parameters and path parameters (a preValidation hook).
 *   - U+0000: PostgreSQL text cannot hold it (a 500 there) while SQLite stores it.
 *   - a lone UTF-16 surrogate ("\ud800"): not Unicode, so it has no UTF-8 form; served back, it makes
 *     strict JSON readers (jq) reject the whole page.
 * Either is a 400 naming the field or parameter, keys of objects included.
 */
import type { FastifyInstance } from 'fastify';
import { errors } from '../lib/errors.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why the string cannot be stored, or null when it can. */
export function unstorable(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode: it holds a lone UTF-16 surrogate';
  return null;
}

/**
 * Cheap test on raw JSON text: only a \u escape can put either character in a parsed string (raw
 * control characters are invalid JSON; the UTF-8 decoder turns lone surrogates into U+FFFD), or
 * spell "__proto__" so that a scan of the text for it misses ("\u005f_proto__").
 */
export function mayHoldEscapes(jsonText: string): boolean {
  return jsonText.includes('\\u');
}

function childParam(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Throws a 400 for the first unstorable string in a parsed JSON value (depth is bounded by the parser). */
export function checkJsonText(value: unknown, param: string): void {
  if (typeof value === 'string') {
    const why = unstorable(value);
    if (why) throw errors.invalidBody(`Invalid value for '${param}': strings ${why}.`, param || null);
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJsonText(value[i], childParam(param, i));
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const p = childParam(param, key);
      if (key === '__proto__') throw errors.invalidBody("The JSON body uses the forbidden key '__proto__'.", p);
      const why = unstorable(key);
      if (why) throw errors.invalidBody(`Invalid key '${p}': keys ${why}.`, p);
      checkJsonText(child, p);
    }
  }
}

/** Query values as the query-string parser shapes them (x, x[], x[k]), and path parameters. */
function checkParams(params: unknown): void {
  if (!params || typeof params !== 'object') return;
  for (const [name, value] of Object.entries(params)) {
    const why = unstorable(name);
    if (why) throw errors.invalidParam(name, `Invalid parameter name: it ${why}.`);
    const values: [string, unknown][] = typeof value === 'string' ? [[name, value]] : Object.entries(value ?? {}).map(([k, v]) => [`${name}[${k}]`, v]);
    for (const [param, v] of values) {
      const bad = typeof v === 'string' ? unstorable(v) : null;
      if (bad) throw errors.invalidParam(param, `Invalid value for '${param}': it ${bad}.`);
    }
  }
}

export function registerTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    checkParams(request.params);
    checkParams(request.query);
  });
}
