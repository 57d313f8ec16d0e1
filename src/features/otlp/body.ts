/**
 * The request body as bytes: gzip (OTLP's encoding) or deflate undone off the event loop with a bound
 * on the inflated size, so a small compressed body that would inflate to gigabytes (a zip bomb) is
 * refused after inflating at most the bound (zlib stops at maxOutputLength).
 */
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

export async function decodedBody(raw: Buffer, encoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const e = encoding?.trim().toLowerCase();
  if (!e || e === 'identity') return raw;
  const name = e === 'x-gzip' ? 'gzip' : e;
  if (name !== 'gzip' && name !== 'deflate') throw new BodyError(415, `Unsupported Content-Encoding '${e}'; send gzip, deflate or no encoding.`);
  try {
    return await (name === 'gzip' ? gunzipAsync : inflateAsync)(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new BodyError(413, `The ${name} body inflates to more than ${maxBytes} bytes, the most this server accepts (ORGLEDGER_BODY_LIMIT_BYTES).`);
    throw new BodyError(400, `The body is not valid ${name}: ${(err as Error).message}`);
  }
}
