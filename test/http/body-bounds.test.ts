/**
 * Request bodies are bounded without stalling the server: gzip and deflate bodies are inflated with a
 * bound (a zip bomb answers 413 naming the limit, nothing stored), a large body is parsed in slices
 * with turns of the event loop between them (a gate holds the parse mid-body while /healthz answers:
 * no timing), and a batch over its item bound is refused before its items are parsed. On SQLite and
 * (postgres project) PostgreSQL: a second app on the test server's store, with a gated parse.
 */
import { request as httpRequest } from 'node:http';
import { deflateSync, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** The parse's turn of the event loop; once armed, the next turn waits until open(). */
class ParseGate {
  turns = 0;
  private armed = false;
  private release: () => void = () => {};
  private opened: Promise<void> = Promise.resolve();
  reached: Promise<void> = Promise.resolve();
  private arrived: () => void = () => {};
  arm(): void {
    this.armed = true;
    this.reached = new Promise((r) => {
      this.arrived = r;
    });
    this.opened = new Promise((r) => {
      this.release = r;
    });
  }
  open(): void {
    this.release();
  }
  readonly turn = async (): Promise<void> => {
    this.turns++;
    if (this.armed) {
      this.armed = false;
      this.arrived();
      await this.opened;
      return;
    }
    await new Promise((r) => setImmediate(r));
  };
}

const MIB = 1024 * 1024;
const LIMIT = 32 * MIB;
let server: TestServer;
let app: FastifyInstance;
let url: string;
const gate = new ParseGate();

beforeAll(async () => {
  server = await startServer();
  app = await buildApp({ ...server.config, bodyLimitBytes: LIMIT, logStreamPollMs: 0 }, { store: server.store, logger: false, bodyParseYield: gate.turn });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  url = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  gate.open();
  await app.close();
  await server.close();
});

const event = (i: number, pad = '') => ({
  id: `bb-${i}`,
  type: 'login.succeeded',
  effective_at: 1_767_225_600 + i,
  actor: { type: 'session', session: { user: { id: `user_${i}${pad}`, email: `u${i}@example.com` } } },
});

async function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json };
}

async function stored(prefix: string): Promise<number> {
  const rows = await server.sql(`SELECT count(*) AS n FROM audit_events WHERE id LIKE '${prefix}%'`);
  return Number(rows[0]?.n);
}

describe('compressed bodies', () => {
  it('gzip and deflate bodies are inflated and taken like plain ones', async () => {
    const body = JSON.stringify({ data: [event(1), event(2)] });
    const gz = await post('/v1/organization/audit_logs', gzipSync(body), { 'content-encoding': 'gzip' });
    expect(gz.status, JSON.stringify(gz.json)).toBe(200);
    expect((await post('/v1/organization/audit_logs', deflateSync(JSON.stringify({ data: [event(3)] })), { 'content-encoding': 'deflate' })).status).toBe(200);
    const ndjson = [event(4), event(5)].map((e) => JSON.stringify(e)).join('\n');
    expect((await post('/v1/organization/audit_logs', gzipSync(ndjson), { 'content-encoding': 'gzip', 'content-type': 'application/x-ndjson' })).status).toBe(
      200,
    );
    expect(await stored('bb-')).toBe(5);
  });

  it('a zip bomb on ingest answers 413 in the OpenAI envelope naming the limit, and stores nothing', async () => {
    // 64 MiB of JSON whitespace around an event: about 64 KiB gzipped, twice the limit inflated.
    const inflated = Buffer.concat([
      Buffer.from(`{"data":[${JSON.stringify({ ...event(99), id: 'bomb-1' })}]`),
      Buffer.alloc(64 * MIB, 0x20),
      Buffer.from('}'),
    ]);
    for (const [encoding, packed] of [
      ['gzip', gzipSync(inflated, { level: 9 })],
      ['deflate', deflateSync(inflated, { level: 9 })],
    ] as const) {
      expect(packed.length).toBeLessThan(LIMIT / 100);
      const res = await post('/v1/organization/audit_logs', packed, { 'content-encoding': encoding });
      expect(res.status, encoding).toBe(413);
      expect(res.json.error.type).toBe('invalid_request_error');
      expect(res.json.error.code).toBe('request_too_large');
      expect(res.json.error.message).toContain(`more than ${LIMIT} bytes`);
      expect(res.json.error.message).toContain(encoding);
    }
    const usage = await post('/v1/organization/usage/completions', gzipSync(Buffer.alloc(40 * MIB, 0x20)), { 'content-encoding': 'gzip' });
    expect(usage.status).toBe(413);
    expect(await stored('bomb-')).toBe(0);
  });

  it('a zip bomb on OTLP /v1/traces answers 413 naming the limit (the OpenAI envelope in its JSON status), gzip and deflate', async () => {
    for (const [encoding, packed] of [
      ['gzip', gzipSync(Buffer.alloc(64 * MIB, 0x20), { level: 9 })],
      ['deflate', deflateSync(Buffer.alloc(64 * MIB, 0x20), { level: 9 })],
    ] as const) {
      const res = await post('/v1/traces', packed, { 'content-encoding': encoding });
      expect(res.status, encoding).toBe(413);
      expect(res.json.error.code).toBe('request_too_large');
      expect(res.json.error.message).toContain(`more than ${LIMIT} bytes`);
    }
  });

  it('a body that is not what its encoding says is a 400; an encoding not decoded a 415', async () => {
    const bad = await post('/v1/organization/audit_logs', 'not gzip at all', { 'content-encoding': 'gzip' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('not valid gzip');
    expect((await post('/v1/organization/audit_logs', '{}', { 'content-encoding': 'br' })).status).toBe(415);
  });

  it('a declared Content-Length over the limit is refused before the body is read, naming the limit', async () => {
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json', 'content-length': String(LIMIT + 1) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      // Only the first bytes are ever sent: the answer comes without the rest.
      req.write('{"data":[');
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body).error.message).toContain(`${LIMIT} bytes`);
  });
});

describe('a large body does not stall the server', () => {
  it('while a 32 MiB body is received, and while it is parsed (held mid-parse by a gate), /healthz answers', async () => {
    const body = Buffer.from(JSON.stringify({ data: Array.from({ length: 1000 }, (_, i) => ({ ...event(i, 'x'.repeat(32 * 1024)), id: `big-${i}` })) }));
    expect(body.length).toBeGreaterThan(31 * MIB);
    expect(body.length).toBeLessThan(LIMIT);
    gate.arm();
    const answer = new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json', 'content-length': String(body.length) },
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      // Half the body, then /healthz (the request is being received), then the rest.
      req.write(body.subarray(0, body.length / 2), () => {
        fetch(`${url}/healthz`)
          .then((h) => {
            expect(h.status).toBe(200);
            req.end(body.subarray(body.length / 2));
          })
          .catch(reject);
      });
    });
    await gate.reached;
    // The body is received and its parse holds at the gate: the server still answers.
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await stored('big-')).toBe(0);
    gate.open();
    expect(await answer).toBe(200);
    expect(await stored('big-')).toBe(1000);
  });

  it('a batch over the item bound is refused before its items are parsed (NDJSON: no slice parsed), naming data', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => JSON.stringify({ ...event(i), id: `many-${i}` })).join('\n');
    expect(lines.length).toBeGreaterThan(512 * 1024);
    const before = gate.turns;
    const nd = await post('/v1/organization/audit_logs', lines, { 'content-type': 'application/x-ndjson' });
    expect(nd.status).toBe(400);
    expect(nd.json.error.param).toBe('data');
    expect(nd.json.error.message).toContain("'data' holds 5000 events; at most 1000");
    expect(gate.turns).toBe(before);
    const json = await post('/v1/organization/audit_logs', `{"data":[${lines.split('\n').join(',')}]}`);
    expect(json.status).toBe(400);
    expect(json.json.error.message).toContain("'data' holds 5000 events; at most 1000");
    expect(await stored('many-')).toBe(0);
  });

  it('a large body parsed in slices equals JSON.parse: errors, __proto__ in either spelling and unstorable strings are refused alike', async () => {
    const pad = 'y'.repeat(300 * 1024);
    const good = JSON.stringify({ data: [{ ...event(1), id: 'slice-1', actor: { type: 'session', session: { user: { id: `u${pad}`.slice(0, 60_000) } } } }] });
    expect((await post('/v1/organization/audit_logs', `  ${good}\n`)).status).toBe(200);
    const cases: [string, RegExp][] = [
      [`{"data":[1,2,]${' '.repeat(300 * 1024)}}`, /could not parse/],
      [`{"data":[${' '.repeat(300 * 1024)}] 3}`, /could not parse/],
      [`{"data":[1] [2]${' '.repeat(300 * 1024)}}`, /could not parse/],
      [`{"data":[${' '.repeat(300 * 1024)}]} x`, /could not parse/],
      [`{"data":["${pad}"`, /could not parse/],
      [`{"data":[{"\\u005f_proto__":1}],"p":"${pad}"}`, /__proto__/],
      [`{"\\u005f_proto__":{"data":[]},"p":"${pad}"}`, /__proto__/],
      [`{"data":[{"a":"\\ud800"}],"p":"${pad}"}`, /surrogate/],
    ];
    for (const [body, message] of cases) {
      const res = await post('/v1/organization/audit_logs', body);
      expect(res.status, body.slice(0, 40)).toBe(400);
      expect(res.json.error.message, body.slice(0, 40)).toMatch(message);
    }
  });
});
