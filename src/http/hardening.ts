/**
 * Protocol-level hardening every response shares: the request id a client may choose (only when it is
 * safe to echo and log), `x-content-type-options: nosniff`, server timeouts against slow clients, and
 * the OpenAI envelope even on errors Node raises before Fastify sees a request (431, bad header bytes).
 */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError } from '../lib/errors.js';
import { newRequestId } from '../lib/ids.js';

/** A client's x-request-id is kept when it is short and plain; anything else (log injection, megabytes) gets a fresh id. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:/+=-]{1,128}$/;

export function requestIdOf(req: IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  if (typeof sent === 'string' && SAFE_REQUEST_ID.test(sent)) return sent;
  return newRequestId();
}

/** Whole request (headers and body) within 2 minutes: a 32 MiB body at 300 KiB/s; slower clients hold a socket for nothing. */
export const REQUEST_TIMEOUT_MS = 120_000;
/** Headers within 30 s (Node's default is 60 s), against slowloris. */
export const HEADERS_TIMEOUT_MS = 30_000;

const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'request_header_fields_too_large', message: 'The request headers are larger than this server accepts.' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'The request was not received in time.' },
};

/** Fastify's clientErrorHandler: Node's parser errors as raw HTTP responses carrying the OpenAI envelope. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[err.code ?? ''] ?? {
    status: 400,
    code: 'invalid_request',
    message: 'The request is not valid HTTP (bad header bytes or framing).',
  };
  const body = JSON.stringify(new ApiError(known.status, 'invalid_request_error', known.code, known.message, null, false).toBody());
  if (socket.writable) {
    const id = newRequestId();
    socket.write(
      `HTTP/1.1 ${known.status} ${STATUS_CODES[known.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${id}\r\nx-should-retry: false\r\n` +
        `x-content-type-options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
