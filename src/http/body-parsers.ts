/**
 * Request body parsers: JSON (with a nesting limit) and NDJSON (one event or record per line, served
 * to routes as {"data": [...]}, exactly like the JSON form).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../lib/errors.js';
import { checkJsonText, mayHoldEscapes } from './text-guard.js';

export const MAX_JSON_DEPTH = 32;

/**
 * Whether the text nests brackets deeper than `limit` outside strings: a scan before parsing (JSON.parse
 * of millions of nested brackets takes tens of seconds). Strings are skipped with indexOf, so a large
 * body blocks the event loop for its structure only, not for every character of its strings.
 */
function nestsDeeper(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // the closing quote: the next one preceded by an even number of backslashes
      let j = i;
      for (;;) {
        j = text.indexOf('"', j + 1);
        if (j === -1) return false;
        let backslashes = 0;
        while (text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      i = j;
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

export function parseJson(text: string, param: string | null): unknown {
  if (nestsDeeper(text, MAX_JSON_DEPTH)) throw errors.invalidBody(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`, param);
  // JSON.parse makes "__proto__" a plain own key, but code that copies objects could still be fooled by it.
  if (text.includes('"__proto__"')) throw errors.invalidBody("The JSON body uses the forbidden key '__proto__'.", param);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const where = param ? ` in '${param}'` : '';
    throw errors.invalidBody(`We could not parse the JSON body of your request${where}: ${(err as Error).message}`, param);
  }
  if (mayHoldEscapes(text)) checkJsonText(value, param ?? '');
  return value;
}

/** Bodies are read as UTF-8: a body declared in another charset would be read wrong, so it is refused. */
function checkCharset(req: FastifyRequest): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset !== undefined && !/^utf-?8$/i.test(charset))
    throw errors.invalidBody(`Unsupported charset '${charset}' in the content-type header; send the body as UTF-8.`);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads its body as bytes and undoes Content-Encoding itself (the OTLP receiver). */
    rawOtlpBody?: boolean;
  }
}

export function registerBodyParsers(app: FastifyInstance): void {
  // Nothing here decodes a compressed request body: parsing gzip bytes as JSON would only say "not JSON".
  app.addHook('preParsing', async (request) => {
    if (request.routeOptions.config.rawOtlpBody) return;
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding && encoding !== 'identity') throw errors.unsupportedContentEncoding(encoding);
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      checkCharset(req);
      if ((body as string).trim() === '') return done(errors.invalidBody('The request body is empty; send a JSON object.'), undefined);
      done(null, parseJson(body as string, null));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (req, body, done) => {
    try {
      checkCharset(req);
      const data: unknown[] = [];
      for (const line of (body as string).split('\n')) {
        if (line.trim() === '') continue;
        data.push(parseJson(line, `data[${data.length}]`));
      }
      done(null, { data });
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
