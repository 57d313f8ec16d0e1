/**
 * The retryable answers of the receiver, as OTLP/HTTP prescribes them: 429 (RESOURCE_EXHAUSTED) when
 * the group committer's queue is at ORGLEDGER_MAX_PENDING_WRITES, 503 (UNAVAILABLE) when the store
 * fails; both with Retry-After, nothing written, and the same export taken whole once retried. The
 * backlog is made deterministic by holding one write open (the queue behind it is the backlog the
 * receiver measures), never by timing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Database from 'better-sqlite3';
import protobuf from 'protobufjs/minimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, TEST_ENGINE, type TestServer } from '../helpers/server.js';
import { exporterFor, type GenAiSpan, runApp, succeeded } from './genai-program.js';

const T0 = 1_767_225_600;
const TRACE = '7c3f0a9b1d2e4f5061728394a5b6c7d8';
let server: TestServer | undefined;
/** Opens a held write (holdBacklog) so a failed test still closes its server. */
let openGate: (() => void) | undefined;
afterEach(async () => {
  openGate?.();
  openGate = undefined;
  await server?.close();
  server = undefined;
});

const spanJson = (i: number) => ({
  traceId: TRACE,
  spanId: (0xa000 + i).toString(16).padStart(16, '0'),
  endTimeUnixNano: String(BigInt(T0 + i) * 1_000_000_000n),
  attributes: [
    ['gen_ai.operation.name', { stringValue: 'chat' }],
    ['gen_ai.provider.name', { stringValue: 'openai' }],
    ['gen_ai.request.model', { stringValue: 'gpt-4o-mini' }],
    ['gen_ai.usage.input_tokens', { intValue: String(100 + i) }],
    ['gen_ai.usage.output_tokens', { intValue: '10' }],
  ].map(([key, value]) => ({ key, value })),
});
const exportBody = (n: number) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, i) => spanJson(i)) }] }] });

async function post(s: TestServer, body: string, contentType = 'application/json') {
  const res = await fetch(`${s.url}/v1/traces`, { method: 'POST', headers: { authorization: `Bearer ${s.adminKey}`, 'content-type': contentType }, body });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** google.rpc.Status code (field 1) from protobuf bytes. */
function statusCode(bytes: Buffer): number {
  const r = protobuf.Reader.create(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === 1) return r.int32();
    r.skipType(tag & 7);
  }
  return 0;
}

async function otelRecords(s: TestServer): Promise<number> {
  const [row] = await s.sql<{ n: number }>("SELECT count(*) AS n FROM usage_records WHERE id LIKE 'otel:%'");
  return Number(row?.n);
}

/**
 * One write held open inside the committer and one queued behind it: pendingWrites() is then at
 * least 1, the receiver's threshold with maxPendingWrites 1, until release() lets both commit.
 */
async function holdBacklog(s: TestServer): Promise<{ release: () => Promise<void> }> {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const held = s.store.write(async () => {
    started();
    await gate;
  });
  openGate = open;
  await running;
  const queued = s.store.write(async () => undefined);
  // One turn of the event loop: the store's own awaits before it queues (PostgreSQL awaits readiness) are done.
  await new Promise((resolve) => setImmediate(resolve));
  expect(s.store.pendingWrites()).toBeGreaterThanOrEqual(1);
  return {
    release: async () => {
      open();
      await Promise.all([held, queued]);
    },
  };
}

describe('OTLP retryable answers', () => {
  it('429 RESOURCE_EXHAUSTED with Retry-After while the writer is behind (protobuf and JSON), nothing written; the same export is taken whole after', async () => {
    server = await startServer({ maxPendingWrites: 1 });
    const s = server;
    const backlog = await holdBacklog(s);

    const json = await post(s, exportBody(3));
    expect(json.status).toBe(429);
    expect(json.retryAfter).toBe('1');
    const status = JSON.parse(json.bytes.toString());
    expect(status.code).toBe(8);
    expect(status.error).toMatchObject({ type: 'rate_limit_error' });
    // The protobuf form answers a protobuf Status; the body is not even read before the backlog check.
    const pb = await post(s, '\u0000', 'application/x-protobuf');
    expect(pb.status).toBe(429);
    expect(pb.retryAfter).toBe('1');
    expect(statusCode(pb.bytes)).toBe(8);

    await backlog.release();
    expect(await otelRecords(s)).toBe(0);
    const retried = await post(s, exportBody(3));
    expect(retried.status).toBe(200);
    expect(JSON.parse(retried.bytes.toString())).toEqual({});
    expect(await otelRecords(s)).toBe(3);
  });

  it('the official SDK exporter retries a 429 after Retry-After and its spans are counted once', async () => {
    server = await startServer({ maxPendingWrites: 1 });
    const s = server;
    const backlog = await holdBacklog(s);
    // The backlog clears the moment the receiver has answered a 429, so the exporter's retry finds room.
    const statuses: number[] = [];
    let released: Promise<void> | undefined;
    s.app.server.on('request', (_req: IncomingMessage, res: ServerResponse) =>
      res.on('finish', () => {
        statuses.push(res.statusCode);
        if (res.statusCode === 429) released ??= backlog.release();
      }),
    );
    const spans: GenAiSpan[] = [1, 2].map((i) => ({
      name: 'chat',
      end: T0 + 100 + i,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-test',
        'gen_ai.usage.input_tokens': 50 * i,
        'gen_ai.usage.output_tokens': 5,
      },
    }));
    const exporter = exporterFor('protobuf', s.url, s.adminKey);
    await runApp(exporter, { 'service.name': 'retrying-app' }, spans);
    await released;
    expect(statuses).toEqual([429, 200]);
    expect(exporter.results.map(succeeded)).toEqual([true]);
    const rows = await s.sql<{ provider: string; input: number }>(
      "SELECT provider, sum(input_tokens) AS input FROM usage_records WHERE id LIKE 'otel:%' GROUP BY provider",
    );
    expect(rows.map((r) => [r.provider, Number(r.input)])).toEqual([['anthropic', 150]]);
  });

  it.skipIf(TEST_ENGINE !== 'sqlite')(
    '503 UNAVAILABLE with Retry-After when the store cannot write (disk full), nothing written; the retry succeeds once it can',
    async () => {
      server = await startServer();
      const s = server;
      // A full disk, for real: the writer connection may not grow the file past its current pages.
      // (Reached through the store's private writer: the one connection that writes.)
      const writer = (s.store as unknown as { writer: Database.Database }).writer;
      const pages = writer.pragma('page_count', { simple: true }) as number;
      writer.pragma(`max_page_count = ${pages}`);
      const full = await post(s, exportBody(400));
      expect(full.status).toBe(503);
      expect(full.retryAfter).toBe('1');
      const status = JSON.parse(full.bytes.toString());
      expect(status.code).toBe(14);
      expect(status.message).toMatch(/disk is full/);
      expect(await otelRecords(s)).toBe(0);
      expect((await fetch(`${s.url}/readyz`)).status).toBe(503);

      writer.pragma('max_page_count = 1073741823');
      const retried = await post(s, exportBody(400));
      expect(retried.status).toBe(200);
      expect(await otelRecords(s)).toBe(400);
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    },
  );
});
