/**
 * GET /metrics in the Prometheus text format (0.0.4): requests and latency per route and status, the
 * ingest queue depth (writes waiting for a group commit), group-commit batch sizes, and how long
 * store operations take. A small registry of our own: counters and histograms with labels.
 */
import type { FastifyInstance } from 'fastify';
import { type Clock, systemClock } from '../lib/clock.js';
import type { GroupCommitStats } from '../store/group-commit.js';
import { STORE_PARTS, type Store } from '../store/store.js';
import { VERSION } from '../version.js';
import { logStreamMetricLines } from './log-stream-metrics.js';
import { syncMetricLines } from './sync-metrics.js';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }

  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.values.values()) out.push(`${this.name}${labelText(labels)} ${value}`);
    return out;
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] as number)) (s.counts[i] as number)++;
    s.sum += value;
    s.count++;
  }

  render(): string[] {
    const out = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      this.buckets.forEach((le, i) => {
        out.push(`${this.name}_bucket${labelText({ ...s.labels, le: String(le) })} ${s.counts[i]}`);
      });
      out.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      out.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`);
      out.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return out;
  }
}

function gauge(name: string, help: string, value: number, labels: Labels = {}): string[] {
  return [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name}${labelText(labels)} ${value}`];
}

export class Metrics {
  readonly requests = new Counter('orgledger_http_requests_total', 'HTTP requests answered, by method, route template and status.');
  readonly latency = new Histogram(
    'orgledger_http_request_duration_seconds',
    'Time to answer HTTP requests, by method, route template and status.',
    LATENCY_BUCKETS,
  );
  readonly storeOps = new Histogram(
    'orgledger_store_operation_duration_seconds',
    'Time of store calls (writes include waiting for their group commit), by operation.',
    LATENCY_BUCKETS,
  );
  readonly storeErrors = new Counter('orgledger_store_operation_errors_total', 'Store calls that failed, by operation.');
}

/**
 * The store, with every async call timed into the metrics: its own (write, close) and those of each
 * feature part (store.audit.listAuditEvents, ...). The operation label is the method's name alone, as
 * before the store was split into parts (method names are unique across the parts' reads). A Proxy,
 * so engines need no changes and getters such as commitStats still answer from the engine itself.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const parts = new Map<PropertyKey, unknown>();
  return timeCalls(store, metrics, (prop, value) => {
    if (prop === 'pendingWrites') return value;
    if (typeof prop !== 'string' || !Object.hasOwn(STORE_PARTS, prop) || typeof value !== 'object' || value === null) return undefined;
    let part = parts.get(prop);
    if (!part) {
      part = timeCalls(value, metrics, () => undefined);
      parts.set(prop, part);
    }
    return part;
  });
}

/** `target` with every method call timed, except properties `special` answers for (not undefined). */
function timeCalls<T extends object>(target: T, metrics: Metrics, special: (prop: PropertyKey, value: unknown) => unknown): T {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      const answer = special(prop, value);
      if (answer !== undefined) return answer;
      if (typeof value !== 'function' || prop === 'constructor') return value;
      let fn = wrapped.get(prop);
      if (!fn) {
        const operation = String(prop);
        fn = (...args: unknown[]) => {
          const started = performance.now();
          const result = (value as (...a: unknown[]) => unknown).apply(t, args);
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v) => {
              metrics.storeOps.observe({ operation }, (performance.now() - started) / 1000);
              return v;
            },
            (err: unknown) => {
              metrics.storeOps.observe({ operation }, (performance.now() - started) / 1000);
              metrics.storeErrors.inc({ operation });
              throw err;
            },
          );
        };
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}

/**
 * Counts and times every response, logs its completion (id, method, route, status, duration) at info,
 * and serves GET /metrics.
 */
export function registerMetrics(app: FastifyInstance, store: Store, metrics: Metrics, clock: Clock = systemClock): void {
  const startedAt = Date.now();
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc(labels);
    metrics.latency.observe(labels, seconds);
    request.log.info(
      { method: request.method, route, url: request.url, status: reply.statusCode, duration_ms: Math.round(reply.elapsedTime * 100) / 100 },
      'request completed',
    );
  });

  app.get('/metrics', async (_request, reply) => {
    const stats = (store as unknown as { commitStats?: GroupCommitStats }).commitStats;
    const memory = process.memoryUsage();
    const lines = [
      ...gauge('orgledger_build_info', 'Version and store engine of this process.', 1, { version: VERSION, engine: store.engine }),
      ...gauge('orgledger_uptime_seconds', 'Seconds since the server started.', Math.round((Date.now() - startedAt) / 1000)),
      ...gauge('orgledger_store_pending_writes', 'Ingest queue depth: writes waiting for their group commit.', store.pendingWrites()),
      ...metrics.requests.render(),
      ...metrics.latency.render(),
      ...metrics.storeOps.render(),
      ...metrics.storeErrors.render(),
      ...gauge('process_resident_memory_bytes', 'Resident memory of the process.', memory.rss),
      ...gauge('nodejs_heap_used_bytes', 'V8 heap in use.', memory.heapUsed),
      ...(await syncMetricLines(store, Math.floor(Date.now() / 1000))),
      ...(await logStreamMetricLines(store, clock.nowSeconds())),
    ];
    if (stats) {
      lines.push(
        '# HELP orgledger_store_commit_batches_total Group commits (transactions) the store has made.',
        '# TYPE orgledger_store_commit_batches_total counter',
        `orgledger_store_commit_batches_total ${stats.batches}`,
        '# HELP orgledger_store_commit_jobs_total Writes committed in group commits (jobs / batches = mean batch size).',
        '# TYPE orgledger_store_commit_jobs_total counter',
        `orgledger_store_commit_jobs_total ${stats.jobs}`,
        ...gauge('orgledger_store_commit_last_batch_jobs', 'Writes in the most recent group commit.', stats.lastBatchJobs),
      );
    }
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(`${lines.join('\n')}\n`);
  });
}
