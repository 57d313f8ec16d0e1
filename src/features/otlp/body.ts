/**
 * The request body as bytes: gzip undone with a bound on the inflated size, so a small compressed
 * body that would inflate to gigabytes (a gzip bomb) is refused after reading at most the bound.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

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
  if (e !== 'gzip') throw new BodyError(415, `Unsupported Content-Encoding '${e}'; send gzip or no encoding.`);
  try {
    return await gunzipAsync(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw new BodyError(413, `The gzip body inflates to more than ${maxBytes} bytes, the most this server accepts.`);
    throw new BodyError(400, `The body is not valid gzip: ${(err as Error).message}`);
  }
}
