/**
 * Compressed request bodies (Content-Encoding gzip or deflate) undone as a stream with a bound on the
 * inflated size: the inflater stops, and the request answers 413 naming the bound, as soon as the
 * output passes it, so a small body that would inflate to gigabytes (a zip bomb) costs at most the
 * bound (plus one 16 KiB zlib chunk) in memory, never its inflated size.
 */
import { PassThrough, type Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { type ApiError, errors } from '../lib/errors.js';

/** The encodings the JSON and NDJSON routes undo; anything else (but identity) is a 415. */
export type BodyEncoding = 'gzip' | 'deflate';

export function bodyEncodingOf(header: string | undefined): BodyEncoding | 'identity' | string {
  const e = header?.trim().toLowerCase();
  if (!e || e === 'identity') return 'identity';
  if (e === 'gzip' || e === 'x-gzip') return 'gzip';
  return e;
}

export function inflatedTooLarge(encoding: string, maxBytes: number): ApiError {
  return errors.tooLarge(
    `The ${encoding} request body inflates to more than ${maxBytes} bytes, the most this server accepts (ORGLEDGER_BODY_LIMIT_BYTES); nothing was stored.`,
  );
}

/** Fastify reads `statusCode` of an error a payload stream emits (anything else becomes a 400). */
function withStatus(err: ApiError): ApiError {
  return Object.assign(err, { statusCode: err.status });
}

/**
 * The inflated body of `source`. `receivedEncodedLength` (the compressed bytes read) is what Fastify
 * checks against Content-Length and the body limit; the inflated bytes are bounded here.
 */
export function boundedInflater(source: Readable, encoding: BodyEncoding, maxBytes: number): Readable & { receivedEncodedLength: number } {
  const zlib = encoding === 'gzip' ? createGunzip() : createInflate();
  const out = Object.assign(new PassThrough(), { receivedEncodedLength: 0 });
  let inflated = 0;
  let stopped = false;
  const stop = (err: ApiError) => {
    if (stopped) return;
    stopped = true;
    source.unpipe(zlib);
    zlib.destroy();
    // Drain what the client still sends so the reply can be written.
    source.resume();
    out.destroy(withStatus(err));
  };
  source.on('data', (chunk: Buffer) => {
    out.receivedEncodedLength += chunk.length;
  });
  zlib.on('data', (chunk: Buffer) => {
    inflated += chunk.length;
    if (inflated > maxBytes) return stop(inflatedTooLarge(encoding, maxBytes));
    if (!out.write(chunk)) {
      zlib.pause();
      out.once('drain', () => zlib.resume());
    }
  });
  zlib.on('end', () => {
    if (!stopped) out.end();
  });
  zlib.on('error', (err) => stop(errors.invalidBody(`The body is not valid ${encoding}: ${err.message}`)));
  source.on('error', (err) => {
    if (!stopped) {
      stopped = true;
      zlib.destroy();
      out.destroy(err);
    }
  });
  source.pipe(zlib);
  return out;
}
