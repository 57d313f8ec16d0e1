/**
 * OTLP benchmark (issue 16): GenAI spans over OTLP/HTTP protobuf, batches of 512, on SQLite (spans/s;
 * target >= 20,000), and where the time goes: protobuf decoding, span mapping, and the usage ingest
 * (validation, pricing, idempotency hashes, the group-committed write), each timed alone in-process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import generated from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { DEFAULT_ORG_ID } from '../src/features/keys/service.js';
import { DEFAULT_ATTRIBUTE_MAP } from '../src/features/otlp/attribute-map.js';
import { mapSpan } from '../src/features/otlp/mapping.js';
import { decodeProtobuf } from '../src/features/otlp/proto.js';
import { ingestUsageOfKinds } from '../src/features/usage/ingest.js';
import { loadPriceTable } from '../src/features/usage/price-table.js';
import { systemClock } from '../src/lib/clock.js';
import { rng } from './lib/events.js';
import { type Figure, fmtInt, printTable } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, openBenchStore, startBenchServer } from './lib/server.js';

const BATCH = 512;
const MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'claude-sonnet-4', 'gemini-2.5-flash'];
const PROVIDERS = ['openai', 'openai', 'openai', 'anthropic', 'gcp.gemini'];

interface V1 {
  ExportTraceServiceRequest: { fromObject(o: object): object; encode(m: object): { finish(): Uint8Array } };
}
const v1 = (generated as unknown as { opentelemetry: { proto: { collector: { trace: { v1: V1 } } } } }).opentelemetry.proto.collector.trace.v1;

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: v } });

/** One export of 512 chat spans as an instrumented app sends them (unique trace/span ids per body). */
function makeBody(r: () => number, b: number, now: number): Buffer {
  const spans = Array.from({ length: BATCH }, (_, i) => {
    const m = Math.floor(r() * MODELS.length);
    const id = Buffer.alloc(8);
    id.writeUInt32BE(b, 0);
    id.writeUInt32BE(i + 1, 4);
    const trace = Buffer.concat([Buffer.from('0123456789abcdef', 'hex'), id]);
    return {
      traceId: trace,
      spanId: id,
      name: 'chat',
      kind: 3,
      startTimeUnixNano: (now - 2) * 1e9,
      endTimeUnixNano: (now - 1) * 1e9,
      attributes: [
        str('gen_ai.operation.name', 'chat'),
        str('gen_ai.provider.name', PROVIDERS[m] as string),
        str('gen_ai.request.model', MODELS[m] as string),
        str('gen_ai.response.model', MODELS[m] as string),
        int('gen_ai.usage.input_tokens', 200 + Math.floor(r() * 4000)),
        int('gen_ai.usage.output_tokens', 20 + Math.floor(r() * 800)),
        str('orgledger.project_id', `proj_${Math.floor(r() * 20)}`),
        str('user.id', `user-${Math.floor(r() * 200)}`),
        str('server.address', 'api.openai.com'),
      ],
    };
  });
  const message = v1.ExportTraceServiceRequest.fromObject({
    resourceSpans: [{ resource: { attributes: [str('service.name', 'bench-app')] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }],
  });
  return Buffer.from(v1.ExportTraceServiceRequest.encode(message).finish());
}

function post(agent: Agent, url: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': 'application/x-protobuf', 'content-length': body.length };
    const req = request({ agent, host: url.hostname, port: url.port, method: 'POST', path: '/v1/traces', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function overHttp(bodies: Buffer[]): Promise<Figure> {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-otlp-'));
  const server = await startBenchServer(benchConfig(dir), join(dir, 'orgledger.sqlite'));
  try {
    const url = new URL(server.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    await post(agent, url, bodies[0] as Buffer); // warm-up (its spans are then replays, so it is not counted)
    let next = 1;
    let failed = 0;
    const client = async () => {
      while (next < bodies.length) {
        const body = bodies[next++] as Buffer;
        if ((await post(agent, url, body)) !== 200) failed++;
      }
    };
    const t0 = performance.now();
    await Promise.all([client(), client(), client(), client()]);
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    const spans = (bodies.length - 1) * BATCH;
    const rate = spans / seconds;
    return {
      name: `OTLP/HTTP protobuf, ${BATCH}-span exports, 4 clients`,
      value: `${fmtInt(rate)} spans/s`,
      target: '>= 20,000 spans/s',
      met: rate >= 20_000 && failed === 0,
      note: `${fmtInt(spans)} spans, ${failed} failed requests; client in-process`,
    };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same bodies through each stage alone: microseconds per span. */
async function stages(bodies: Buffer[]): Promise<Figure[]> {
  const spans = bodies.length * BATCH;
  let t = performance.now();
  const decoded = bodies.map((b) => decodeProtobuf(b));
  const decodeUs = ((performance.now() - t) * 1000) / spans;
  t = performance.now();
  const mapped = decoded.map((list) => list.map((s) => mapSpan(s, DEFAULT_ATTRIBUTE_MAP)));
  const mapUs = ((performance.now() - t) * 1000) / spans;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-bench-otlp-ingest-'));
  const config = benchConfig(dir);
  const store = await openBenchStore(config, join(dir, 'orgledger.sqlite'));
  const prices = loadPriceTable(undefined);
  try {
    t = performance.now();
    // one export after another, as one client would: the write path's latency, not its group commit
    for (const list of mapped) {
      const records = list.flatMap((m) => (m.outcome === 'record' ? [m.record] : []));
      await ingestUsageOfKinds({ store, clock: systemClock, prices }, DEFAULT_ORG_ID, [{ kind: 'completions', records }]);
    }
    const ingestUs = ((performance.now() - t) * 1000) / spans;
    // the same records without their otel:<trace>:<span> ids (fresh server ids, no hash, no lookup):
    // what idempotency costs
    t = performance.now();
    for (const list of mapped) {
      const records = list.flatMap((m) => (m.outcome === 'record' ? [{ ...m.record, id: undefined }] : []));
      await ingestUsageOfKinds({ store, clock: systemClock, prices }, DEFAULT_ORG_ID, [{ kind: 'completions', records }]);
    }
    const noIdUs = ((performance.now() - t) * 1000) / spans;
    const row = (name: string, us: number): Figure => ({ name, value: `${us.toFixed(1)} µs/span`, target: '', note: `${fmtInt(1e6 / us)} spans/s alone` });
    return [
      row('protobuf decode (otlp-transformer root)', decodeUs),
      row('GenAI mapping', mapUs),
      row('usage ingest (validate, price, hash, write)', ingestUs),
      row('the same ingest without client ids', noIdUs),
    ];
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runOtlpBench(opts: { quick: boolean }): Promise<void> {
  const r = rng(16);
  const now = Math.floor(Date.now() / 1000);
  const exports = opts.quick ? 100 : 400;
  const bodies = Array.from({ length: exports + 1 }, (_, b) => makeBody(r, b, now));
  printTable('otlp: ingest', [await overHttp(bodies)]);
  printTable('otlp: where the time goes (in-process, one export at a time)', await stages(bodies.slice(1)));
}
