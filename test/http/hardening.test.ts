/**
 * Protocol hardening through a real listener: nosniff, the client's request id only when safe, the
 * escaped spelling of __proto__, undecoded content-encodings and foreign charsets, server timeouts, and
 * Node's own parser errors (431, bad header bytes) in the OpenAI envelope.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const PATH = '/v1/organization/audit_logs';
const EVENT = '{"data":[{"type":"login.succeeded","effective_at":1700000000}]}';

async function post(headers: Record<string, string>, body: string | Blob = EVENT) {
  const res = await fetch(`${server.url}${PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** Raw bytes on a socket, for what fetch refuses to send; resolves with the whole answer. */
function rawExchange(request: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(answer));
    socket.on('error', (err) => (answer ? resolve(answer) : reject(err)));
  });
}

function envelopeOf(answer: string): any {
  return JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
}

describe('response headers', () => {
  it('x-content-type-options: nosniff on success, error and unknown routes', async () => {
    for (const path of ['/healthz', PATH, '/v1/nowhere']) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });

  it('a safe client x-request-id is echoed; an unsafe or oversized one is replaced by a fresh id', async () => {
    const ok = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-abc_123:4' } });
    expect(ok.headers.get('x-request-id')).toBe('trace-abc_123:4');
    for (const bad of ['a'.repeat(129), 'has space', 'evil"json', '<script>']) {
      const res = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    }
  });
});

describe('request bodies', () => {
  it('the escaped spelling of __proto__ is refused like the plain one', async () => {
    for (const key of ['__proto__', '\\u005f_proto__', '\\u005f\\u005fproto\\u005f\\u005f']) {
      const body = `{"data":[{"type":"project.created","effective_at":1700000000,"project.created":{"data":{"${key}":{"x":1}}}}]}`;
      const res = await post({}, body);
      expect(res.status, key).toBe(400);
      expect(res.body.error.message).toContain('__proto__');
    }
  });

  it('a content-encoding the server does not decode is a 415 in the envelope (gzip and deflate are decoded: body-bounds.test.ts)', async () => {
    for (const encoding of ['br', 'compress', 'x-unknown']) {
      const res = await post({ 'content-encoding': encoding }, new Blob([new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0])]));
      expect(res.status, encoding).toBe(415);
      expect(res.body.error.type).toBe('invalid_request_error');
      expect(res.body.error.code).toBe('unsupported_content_encoding');
    }
    expect((await post({ 'content-encoding': 'identity' })).status).toBe(200);
  });

  it('a charset other than UTF-8 is a 400; utf-8 in any spelling is fine', async () => {
    for (const contentType of ['application/json; charset=iso-8859-1', 'application/json; charset="utf-16"', 'application/x-ndjson; charset=latin1']) {
      const res = await post({ 'content-type': contentType });
      expect(res.status, contentType).toBe(400);
      expect(res.body.error.message).toContain('UTF-8');
    }
    for (const contentType of ['application/json; charset=utf-8', 'application/json; charset=UTF8', 'application/json;charset="utf-8"']) {
      expect((await post({ 'content-type': contentType })).status, contentType).toBe(200);
    }
  });
});

describe('errors Node raises before Fastify', () => {
  it('431 for oversized headers, in the envelope', async () => {
    const answer = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expect(envelopeOf(answer).error).toMatchObject({ type: 'invalid_request_error', code: 'request_header_fields_too_large', param: null });
  });

  it('400 for bad header bytes, in the envelope', async () => {
    const answer = await rawExchange('GET /healthz HTTP/1.1\r\nHost: x\r\nx-bad: a\u0001b\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(envelopeOf(answer).error.type).toBe('invalid_request_error');
  });

  it('the server bounds how long a request and its headers may take', () => {
    expect(server.app.server.requestTimeout).toBeGreaterThan(0);
    expect(server.app.server.headersTimeout).toBeGreaterThan(0);
    expect(server.app.server.headersTimeout).toBeLessThanOrEqual(server.app.server.requestTimeout);
  });
});
