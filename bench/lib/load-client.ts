/**
 * The load generator, run as a child process so the server under test does not share its event loop
 * with the client. It speaks plain node:http over keep-alive sockets and answers one task at a time
 * over IPC (see load.ts for the parent side).
 */
import { Agent, request } from 'node:http';
import { makeBatch, population, rng } from './events.js';
import { makeRecord } from './usage-records.js';

export interface IngestTask {
  kind: 'ingest';
  url: string;
  key: string;
  /** Concurrent clients, each with its own keep-alive socket. */
  clients: number;
  eventsPerRequest: number;
  /** What is posted: audit events (default) or completions usage records. */
  target?: 'audit' | 'usage';
  warmupMs: number;
  durationMs: number;
  seed: number;
}

export interface GetTask {
  kind: 'get';
  url: string;
  key: string;
  /** Request paths, sent in order by `clients` concurrent clients. */
  paths: string[];
  clients: number;
  warmup: number;
}

export type LoadTask = IngestTask | GetTask;

export interface LoadResult {
  requests: number;
  /** Events acknowledged with a 200 (ingest) */
  events: number;
  elapsedMs: number;
  statuses: Record<string, number>;
  latenciesMs: number[];
  /** Body of the first non-200 answer, to explain failures. */
  firstError?: string;
  /** Bytes of the request bodies sent, per event (ingest). */
  bytesPerEvent?: number;
}

function send(agent: Agent, url: URL, method: string, path: string, key: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${key}` };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = request({ agent, host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function runIngest(task: IngestTask): Promise<LoadResult> {
  const url = new URL(task.url);
  const agent = new Agent({ keepAlive: true, maxSockets: task.clients });
  const pop = population();
  const r = rng(task.seed);
  // Distinct bodies made before the clock starts; items carry no id, so resending one stores new ones.
  const now = Math.floor(Date.now() / 1000);
  const items = (): unknown[] =>
    task.target === 'usage'
      ? Array.from({ length: task.eventsPerRequest }, () => makeRecord(r, now - Math.floor(r() * 3600)))
      : makeBatch(r, pop, task.eventsPerRequest);
  const bodies = Array.from({ length: Math.min(16, task.clients * 4) }, () => JSON.stringify({ data: items() }));
  const bytesPerEvent = bodies.reduce((n, b) => n + Buffer.byteLength(b), 0) / (bodies.length * task.eventsPerRequest);
  const path = task.target === 'usage' ? '/v1/organization/usage/completions' : '/v1/organization/audit_logs';
  const result: LoadResult = { requests: 0, events: 0, elapsedMs: 0, statuses: {}, latenciesMs: [], bytesPerEvent };

  let measuring = false;
  let stopAt = Date.now() + task.warmupMs;
  let next = 0;
  const client = async () => {
    while (Date.now() < stopAt) {
      const body = bodies[next++ % bodies.length] as string;
      const t0 = performance.now();
      const res = await send(agent, url, 'POST', path, task.key, body);
      if (!measuring) continue;
      result.requests++;
      result.latenciesMs.push(performance.now() - t0);
      result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
      if (res.status === 200) result.events += task.eventsPerRequest;
      else result.firstError ??= res.text.slice(0, 300);
    }
  };
  await Promise.all(Array.from({ length: task.clients }, client));
  measuring = true;
  const started = performance.now();
  stopAt = Date.now() + task.durationMs;
  await Promise.all(Array.from({ length: task.clients }, client));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}

async function runGets(task: GetTask): Promise<LoadResult> {
  const url = new URL(task.url);
  const agent = new Agent({ keepAlive: true, maxSockets: task.clients });
  const result: LoadResult = { requests: 0, events: 0, elapsedMs: 0, statuses: {}, latenciesMs: [] };
  for (let i = 0; i < task.warmup; i++) await send(agent, url, 'GET', task.paths[i % task.paths.length] as string, task.key);
  let next = 0;
  const started = performance.now();
  const client = async () => {
    while (next < task.paths.length) {
      const path = task.paths[next++] as string;
      const t0 = performance.now();
      const res = await send(agent, url, 'GET', path, task.key);
      result.latenciesMs.push(performance.now() - t0);
      result.requests++;
      result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
      if (res.status === 200) result.events += (JSON.parse(res.text) as { data: unknown[] }).data.length;
      else result.firstError ??= `${path}: ${res.text.slice(0, 300)}`;
    }
  };
  await Promise.all(Array.from({ length: task.clients }, client));
  result.elapsedMs = performance.now() - started;
  agent.destroy();
  return result;
}

process.on('message', (task: LoadTask) => {
  const run = task.kind === 'ingest' ? runIngest(task) : runGets(task);
  run.then(
    (result) => process.send?.({ ok: true, result }),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
process.send?.({ ready: true });
