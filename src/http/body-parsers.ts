/**
 * Request body parsers: JSON (with a nesting limit) and NDJSON (one event or record per line, served
 * to routes as {"data": [...]}, exactly like the JSON form). gzip and deflate bodies are inflated with
 * a bound (inflate.ts). A large body is parsed in slices with turns of the event loop between them,
 * and an ingest batch over its item bound is refused before its items are parsed (docs/limits.md).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../lib/errors.js';
import { bodyEncodingOf, boundedInflater } from './inflate.js';
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
      const j = closingQuote(text, i);
      if (j === -1) return false;
      i = j;
    } else if (c === 123 || c === 91) {
      if (++depth > limit) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/** The closing quote of the string opening at `i`: the next one preceded by an even number of backslashes; -1 if none. */
function closingQuote(text: string, i: number): number {
  let j = i;
  for (;;) {
    j = text.indexOf('"', j + 1);
    if (j === -1) return -1;
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

/** JSON whitespace: space, tab, LF, CR. */
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/** Whether text[from, to) is whitespace only, without copying it. */
function blank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

function parseError(param: string | null, message: string) {
  const where = param ? ` in '${param}'` : '';
  return errors.invalidBody(`We could not parse the JSON body of your request${where}: ${message}`, param);
}

export function parseJson(text: string, param: string | null): unknown {
  if (nestsDeeper(text, MAX_JSON_DEPTH)) throw errors.invalidBody(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`, param);
  // JSON.parse makes "__proto__" a plain own key, but code that copies objects could still be fooled by it.
  if (text.includes('"__proto__"')) throw errors.invalidBody("The JSON body uses the forbidden key '__proto__'.", param);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw parseError(param, (err as Error).message);
  }
  if (mayHoldEscapes(text)) checkJsonText(value, param ?? '');
  return value;
}

/**
 * A body this large or larger is parsed in slices with a turn of the event loop between them
 * (health checks, acknowledgements and other tenants' requests run in between); smaller ones at once.
 */
export const PARSE_SLICE_CHARS = 256 * 1024;

/** Gives the event loop a turn between slices; a test can hold it (a gate) to observe the server mid-parse. */
export type ParseYield = () => Promise<void>;
const turn: ParseYield = () => new Promise((resolve) => setImmediate(resolve));

/** How many items a route's `data` may hold, and what they are called: refused before they are parsed. */
export interface ItemCount {
  max: number;
  /** ["event", "events"] */
  names: [string, string];
}

function tooManyItems(n: number, count: ItemCount) {
  return errors.invalidBody(`'data' holds ${n} ${count.names[1]}; at most ${count.max} are accepted per request.`, 'data');
}

interface ArraySpan {
  open: number;
  close: number;
  commas: number[];
}

/** The structure of a large body: its top container, its members (object) or elements (array), and the arrays one level in. */
interface Outline {
  top: number;
  close: number;
  /** Commas of the top container, and for an object the first colon of each member. */
  commas: number[];
  colons: number[];
  /** Arrays directly inside the top container, by member index. */
  arrays: Map<number, ArraySpan>;
}

/**
 * One pass over the text outside strings (strings skipped with indexOf), yielding every slice: the
 * nesting bound, and where the top container's members and its arrays' elements begin and end.
 */
async function outline(text: string, param: string | null, pause: ParseYield): Promise<Outline> {
  let top = 0;
  while (top < text.length && isSpace(text.charCodeAt(top))) top++;
  const o: Outline = { top, close: -1, commas: [], colons: [], arrays: new Map() };
  let depth = 0;
  let open: ArraySpan | null = null;
  let nextPause = PARSE_SLICE_CHARS;
  for (let i = top; i < text.length; i++) {
    if (i >= nextPause) {
      await pause();
      nextPause = i + PARSE_SLICE_CHARS;
    }
    const c = text.charCodeAt(i);
    if (c === 34) {
      const j = closingQuote(text, i);
      if (j === -1) throw parseError(param, 'Unterminated string in JSON');
      i = j;
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_JSON_DEPTH) throw errors.invalidBody(`The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep.`, param);
      if (depth === 2 && c === 91) open = { open: i, close: -1, commas: [] };
    } else if (c === 125 || c === 93) {
      if (depth === 2 && open && c === 93) {
        open.close = i;
        o.arrays.set(o.commas.length, open);
        open = null;
      }
      depth--;
      if (depth < 0) throw parseError(param, `Unexpected '${text.charAt(i)}' at position ${i}`);
      if (depth === 0) {
        o.close = i;
        if (!blank(text, i + 1, text.length)) throw parseError(param, `Unexpected non-whitespace character after JSON at position ${i + 1}`);
        break;
      }
    } else if (c === 44) {
      if (depth === 1) o.commas.push(i);
      else if (depth === 2 && open) open.commas.push(i);
    } else if (c === 58 && depth === 1 && o.colons.length === o.commas.length) o.colons.push(i);
  }
  if (o.close === -1) throw parseError(param, 'Unexpected end of JSON input');
  return o;
}

/** Parses pieces of one large text, yielding whenever a slice's worth of text has been parsed. */
class SliceParser {
  private since = 0;
  constructor(
    private readonly text: string,
    private readonly param: string | null,
    private readonly pause: ParseYield,
  ) {}

  async parse(from: number, to: number, where: string): Promise<unknown> {
    const piece = this.text.slice(from, to);
    if (blank(piece, 0, piece.length)) throw parseError(this.param, `Unexpected token at position ${from} (an empty member or element)`);
    let value: unknown;
    try {
      value = JSON.parse(piece);
    } catch (err) {
      throw parseError(this.param, `${(err as Error).message} (in ${where || 'the body'}, which starts at position ${from})`);
    }
    this.since += to - from;
    if (this.since >= PARSE_SLICE_CHARS) {
      this.since = 0;
      await this.pause();
    }
    return value;
  }

  /** The elements of the array spanning [open, close], commas at depth one inside it. */
  async elements(a: ArraySpan, where: string, check: (n: number) => void): Promise<unknown[]> {
    const empty = a.commas.length === 0 && blank(this.text, a.open + 1, a.close);
    const n = empty ? 0 : a.commas.length + 1;
    check(n);
    const bounds = [a.open, ...a.commas, a.close];
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(await this.parse((bounds[i] as number) + 1, bounds[i + 1] as number, `${where}[${i}]`));
    return out;
  }
}

/**
 * parseJson for large bodies, in slices: the outline pass, then every member of the top object (or
 * element of the top array) and every element of an array one level in parsed on its own, with a
 * turn of the event loop after each slice of text. A `data` array over `count.max` items is refused
 * after the outline, before any item is parsed. The value equals JSON.parse's; the checks are
 * parseJson's (nesting, __proto__ in either spelling, unstorable strings).
 */
export async function parseJsonInSlices(text: string, param: string | null, pause: ParseYield = turn, count?: ItemCount): Promise<unknown> {
  if (text.length < PARSE_SLICE_CHARS) {
    const value = parseJson(text, param);
    const data = (value as { data?: unknown } | null)?.data;
    if (count && Array.isArray(data) && data.length > count.max) throw tooManyItems(data.length, count);
    return value;
  }
  let first = 0;
  while (first < text.length && isSpace(text.charCodeAt(first))) first++;
  const opener = text.charCodeAt(first);
  // A scalar has no members to slice (and no route takes one).
  if (opener !== 91 && opener !== 123) return parseJson(text, param);
  if (text.includes('"__proto__"')) throw errors.invalidBody("The JSON body uses the forbidden key '__proto__'.", param);
  const o = await outline(text, param, pause);
  const p = new SliceParser(text, param, pause);
  let value: unknown;
  if (opener === 91) {
    value = await p.elements({ open: o.top, close: o.close, commas: o.commas }, '', () => {});
  } else if (opener === 123) {
    const obj: Record<string, unknown> = {};
    const empty = o.commas.length === 0 && blank(text, o.top + 1, o.close);
    const bounds = [o.top, ...o.commas, o.close];
    for (let m = 0; !empty && m < bounds.length - 1; m++) {
      const from = (bounds[m] as number) + 1;
      const to = bounds[m + 1] as number;
      const colon = o.colons[m];
      if (colon === undefined || colon > to) throw parseError(param, `Expected ':' after the property name at position ${from}`);
      const key = await p.parse(from, colon, 'a property name');
      if (typeof key !== 'string') throw parseError(param, `Expected a property name at position ${from}`);
      const array = o.arrays.get(m);
      // The member's value is that array only when nothing but whitespace stands around it.
      const whole = array && array.open > colon && blank(text, colon + 1, array.open) && blank(text, array.close + 1, to);
      const member =
        array && whole
          ? await p.elements(array, key, (n) => {
              if (count && key === 'data' && n > count.max) throw tooManyItems(n, count);
            })
          : await p.parse(colon + 1, to, key);
      // As JSON.parse: an own property, whatever the key (a "\u005f_proto__" key is refused below).
      Object.defineProperty(obj, key, { value: member, enumerable: true, writable: true, configurable: true });
    }
    value = obj;
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

declare module 'fastify' {
  interface FastifyContextConfig {
    /** An ingest route's item bound: a larger batch is refused before its items are parsed. */
    itemCount?: ItemCount;
  }
}

export interface BodyParserOptions {
  /** The most bytes a body may have, as sent and inflated (ORGLEDGER_BODY_LIMIT_BYTES). */
  bodyLimitBytes: number;
  /** The turn given to the event loop between slices of a large body (tests hold it with a gate). */
  pause?: ParseYield;
}

export function registerBodyParsers(app: FastifyInstance, opts: BodyParserOptions): void {
  const pause = opts.pause ?? turn;
  // gzip and deflate bodies are inflated as a stream with a bound (inflate.ts); any other encoding is a 415.
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.routeOptions.config.rawOtlpBody) return payload;
    const encoding = bodyEncodingOf(request.headers['content-encoding']);
    if (encoding === 'identity') return payload;
    if (encoding === 'gzip' || encoding === 'deflate') return boundedInflater(payload, encoding, request.routeOptions.bodyLimit ?? opts.bodyLimitBytes);
    throw errors.unsupportedContentEncoding(encoding);
  });
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, async (req: FastifyRequest, body: string) => {
    checkCharset(req);
    if (blank(body, 0, body.length)) throw errors.invalidBody('The request body is empty; send a JSON object.');
    return parseJsonInSlices(body, null, pause, req.routeOptions.config.itemCount);
  });
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, async (req: FastifyRequest, body: string) => {
    checkCharset(req);
    const lines = body.split('\n');
    const count = req.routeOptions.config.itemCount;
    if (count) {
      let n = 0;
      for (const line of lines) if (line.trim() !== '') n++;
      if (n > count.max) throw tooManyItems(n, count);
    }
    const data: unknown[] = [];
    let since = 0;
    for (const line of lines) {
      if (line.trim() === '') continue;
      data.push(parseJson(line, `data[${data.length}]`));
      since += line.length;
      if (since >= PARSE_SLICE_CHARS) {
        since = 0;
        await pause();
      }
    }
    return { data };
  });
}
