/**
 * How long one large ingest body blocks the server's event loop (parsing happens on it): the longest
 * event-loop delay (perf_hooks) while a body of BODY_MIB (default 32) MiB of audit events is posted,
 * in three shapes: 1000 events with large strings (accepted), many small events as JSON (parsed,
 * then refused for holding more than 1000), the same as NDJSON, and the first shape gzipped. Large
 * bodies are parsed in slices with turns of the event loop between them (src/http/body-parsers.ts);
 * what still blocks is the work on the parsed batch (validation, hashing, the store's write).
 *   npm run bench -- body-blocking [--quick]    (--quick: 8 MiB bodies; BODY_MIB overrides)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/config/config.js';
import { BENCH_ADMIN_KEY, startBenchServer } from './lib/server.js';

const MIB = 1024 * 1024;

function smallEvents(n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'login.succeeded',
    effective_at: 1_700_000_000 + i,
    actor: { type: 'session', session: { user: { id: `user_${i}`, email: `u${i}@example.com` }, ip_address: '10.0.0.1' } },
  }));
}

function bodies(size: number): { name: string; contentType: string; body: string | Buffer; encoding?: string }[] {
  const perEvent = Math.floor(size / 1000) - 200;
  const big = Array.from({ length: 1000 }, (_, i) => ({
    type: 'login.succeeded',
    effective_at: 1_700_000_000 + i,
    actor: { type: 'session', session: { user: { id: `user_${i}_${'x'.repeat(perEvent)}` } } },
  }));
  const one = JSON.stringify(smallEvents(1)[0]).length + 1;
  const many = smallEvents(Math.floor(size / one));
  const bigJson = JSON.stringify({ data: big });
  return [
    { name: '1000 events, large strings (JSON)', contentType: 'application/json', body: bigJson },
    { name: '1000 events, large strings (JSON, gzip)', contentType: 'application/json', body: gzipSync(bigJson), encoding: 'gzip' },
    { name: `${many.length} small events (JSON)`, contentType: 'application/json', body: JSON.stringify({ data: many }) },
    { name: `${many.length} small events (NDJSON)`, contentType: 'application/x-ndjson', body: many.map((e) => JSON.stringify(e)).join('\n') },
  ];
}

export async function runBodyBlockingBench(opts: { quick: boolean }): Promise<void> {
  const size = Number(process.env.BODY_MIB ?? (opts.quick ? 8 : 32)) * MIB;
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-body-'));
  const config = loadConfig({ env: {}, flags: { dataDir: dir, port: 0, logLevel: 'silent', bodyLimitBytes: 64 * MIB } });
  const server = await startBenchServer(config, join(dir, 'orgledger.sqlite'));
  console.log(`body-blocking: ${size / MIB} MiB bodies; the longest event-loop stall while one is posted (target: no stall near the parse time)`);
  try {
    for (const { name, contentType, body, encoding } of bodies(size)) {
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      const started = performance.now();
      const res = await fetch(`${server.url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BENCH_ADMIN_KEY}`, 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) },
        body: typeof body === 'string' ? body : new Uint8Array(body),
      });
      await res.arrayBuffer();
      histogram.disable();
      const mib = (Buffer.byteLength(body) / MIB).toFixed(1);
      const ms = (performance.now() - started).toFixed(0);
      console.log(`  ${name}, ${mib} MiB: status ${res.status}, ${ms} ms, event loop blocked up to ${(histogram.max / 1e6).toFixed(0)} ms`);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('body-blocking.ts')) await runBodyBlockingBench({ quick: process.argv.includes('--quick') });
