/**
 * What the receiver answers to what it cannot take, as OTLP/HTTP prescribes: 400 with a
 * google.rpc.Status (protobuf or JSON as the request) for undecodable bodies, 415 for other content
 * types or encodings, 413 for oversized bodies and gzip bombs, partial success naming the rejected
 * spans and why; and in every case nothing half-written.
 */
import { gzipSync } from 'node:zlib';
import generated from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let small: TestServer;
const T0 = 1_767_225_600;
const TRACE = '5b8efff798038103d269b633813fc60c';

beforeAll(async () => {
  server = await startServer();
  small = await startServer({ bodyLimitBytes: 64 * 1024 });
});
afterAll(async () => {
  await server?.close();
  await small?.close();
});

type Attr = [string, string | number];
function jsonSpan(spanId: string, attrs: Attr[]) {
  return {
    traceId: TRACE,
    spanId,
    endTimeUnixNano: String(BigInt(T0 + 10) * 1_000_000_000n),
    attributes: attrs.map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } })),
  };
}
const exportOf = (spans: unknown[]) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans }] }],
});

async function post(s: TestServer, body: Buffer | string, headers: Record<string, string>) {
  const res = await fetch(`${s.url}/v1/traces`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.adminKey}`, ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** google.rpc.Status from protobuf bytes: code (field 1) and message (field 2). */
function readStatus(bytes: Buffer): { code: number; message: string } {
  const r = protobuf.Reader.create(bytes);
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) out.code = r.int32();
    else if (tag >>> 3 === 2) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

async function otelRecords(s: TestServer): Promise<number> {
  const [row] = await s.sql<{ n: number }>("SELECT count(*) AS n FROM usage_records WHERE id LIKE 'otel:%'");
  return Number(row?.n);
}

describe('OTLP refusals', () => {
  it('malformed protobuf: 400 with a protobuf google.rpc.Status (INVALID_ARGUMENT), not retryable', async () => {
    const res = await post(server, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-protobuf/);
    expect(res.headers.get('retry-after')).toBeNull();
    const status = readStatus(res.bytes);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/not a valid protobuf ExportTraceServiceRequest/);
  });

  it('malformed JSON: 400 with a JSON Status that also carries the OpenAI envelope', async () => {
    const res = await post(server, '{"resourceSpans": [', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.bytes.toString());
    expect(body.code).toBe(3);
    expect(body.error.type).toBe('invalid_request_error');
  });

  it('a content type other than protobuf or JSON, or an encoding other than gzip: 415', async () => {
    expect((await post(server, 'hello', { 'content-type': 'text/plain' })).status).toBe(415);
    const br = await post(server, '{}', { 'content-type': 'application/json', 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(JSON.parse(br.bytes.toString()).message).toMatch(/Content-Encoding 'br'/);
  });

  it('gzip that is not gzip: 400', async () => {
    expect((await post(server, 'plain text', { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(400);
  });

  it('an oversized body and a gzip bomb: 413, nothing written', async () => {
    const big = JSON.stringify(
      exportOf(
        Array.from({ length: 1000 }, (_, i) =>
          jsonSpan(i.toString(16).padStart(16, '1'), [
            ['gen_ai.usage.input_tokens', 1],
            ['gen_ai.usage.output_tokens', 1],
          ]),
        ),
      ),
    );
    expect(big.length).toBeGreaterThan(64 * 1024);
    expect((await post(small, big, { 'content-type': 'application/json' })).status).toBe(413);
    // 64 MiB of zeros gzip to ~64 KiB: under the limit on the wire, a thousand times it inflated
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await post(small, bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(readStatus(res.bytes).message).toMatch(/inflates to more than 65536 bytes/);
    // the same body, gzipped, within the limit is taken
    const ok = await post(
      small,
      gzipSync(
        JSON.stringify(
          exportOf([
            jsonSpan('00000000000000aa', [
              ['gen_ai.usage.input_tokens', 3],
              ['gen_ai.usage.output_tokens', 4],
            ]),
          ]),
        ),
      ),
      {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
    );
    expect(ok.status).toBe(200);
    expect(await otelRecords(small)).toBe(1);
  });

  it('spans with non-numeric or missing token attributes are rejected in partial_success, the others recorded', async () => {
    const before = await otelRecords(server);
    const spans = [
      jsonSpan('0000000000000001', [
        ['gen_ai.operation.name', 'chat'],
        ['gen_ai.usage.input_tokens', 10],
        ['gen_ai.usage.output_tokens', 5],
      ]),
      jsonSpan('0000000000000002', [
        ['gen_ai.operation.name', 'chat'],
        ['gen_ai.usage.input_tokens', 'ten'],
        ['gen_ai.usage.output_tokens', 5],
      ]),
      jsonSpan('0000000000000003', [
        ['gen_ai.operation.name', 'chat'],
        ['gen_ai.usage.input_tokens', 10],
      ]),
      // no usage attributes at all: not usage, ignored (not rejected)
      jsonSpan('0000000000000004', [['gen_ai.operation.name', 'chat']]),
    ];
    const res = await post(server, JSON.stringify(exportOf(spans)), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.bytes.toString());
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('span 0000000000000002: gen_ai.usage.input_tokens is not a token count (got "ten")');
    expect(body.partialSuccess.errorMessage).toContain('span 0000000000000003: gen_ai.usage.output_tokens is missing');
    expect(await otelRecords(server)).toBe(before + 1);

    // the protobuf answer carries the same partial success
    const v1 = (generated as any).opentelemetry.proto.collector.trace.v1;
    const pb = v1.ExportTraceServiceRequest.encode(
      v1.ExportTraceServiceRequest.fromObject({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: Buffer.from(TRACE, 'hex'),
                    spanId: Buffer.from('00000000000000f1', 'hex'),
                    endTimeUnixNano: (T0 + 10) * 1e9,
                    attributes: [{ key: 'gen_ai.usage.input_tokens', value: { doubleValue: 1.5 } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    ).finish();
    const pres = await post(server, Buffer.from(pb), { 'content-type': 'application/x-protobuf' });
    expect(pres.status).toBe(200);
    const answer = v1.ExportTraceServiceResponse.decode(pres.bytes);
    expect(Number(answer.partialSuccess.rejectedSpans)).toBe(1);
    expect(answer.partialSuccess.errorMessage).toContain('gen_ai.usage.input_tokens is not a token count (got 1.5)');
  });

  it('a batch that cannot be written whole writes nothing: a conflicting span id fails the export, its other spans included', async () => {
    const emb = (tokens: number) =>
      jsonSpan('00000000000000e1', [
        ['gen_ai.operation.name', 'embeddings'],
        ['gen_ai.request.model', 'text-embedding-3-small'],
        ['gen_ai.usage.input_tokens', tokens],
      ]);
    expect((await post(server, JSON.stringify(exportOf([emb(100)])), { 'content-type': 'application/json' })).status).toBe(200);
    const before = await otelRecords(server);
    const chat = jsonSpan('00000000000000c1', [
      ['gen_ai.usage.input_tokens', 7],
      ['gen_ai.usage.output_tokens', 7],
    ]);
    const res = await post(server, JSON.stringify(exportOf([chat, emb(999)])), { 'content-type': 'application/json' });
    expect(res.status).toBe(409);
    expect(JSON.parse(res.bytes.toString()).message).toMatch(/already exists with different content/);
    expect(await otelRecords(server)).toBe(before);
  });
});
