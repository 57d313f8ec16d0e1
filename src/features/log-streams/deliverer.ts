/**
 * Pushes each stream's records to its sink: at-least-once, in order per record kind, one process per
 * stream at a time (a lease in the store). Runs on its own timer with its own reads, so ingest never
 * waits for it; the cursor moves only after the receiver acknowledged.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../lib/clock.js';
import { sendElasticsearch } from './sinks/elasticsearch.js';
import { sendS3 } from './sinks/s3.js';
import type { Sender } from './sinks/sink.js';
import { sendSplunkHec } from './sinks/splunk-hec.js';
import { sendSyslog } from './sinks/syslog.js';
import { sendWebhook } from './sinks/webhook.js';
import type { LogStreamStore } from './store.js';
import type { LogStream, RecordKind, SinkType, StreamRecord } from './types.js';

/** The sinks that deliver; the others are refused at creation until built. */
export const SENDERS: Partial<Record<SinkType, Sender>> = {
  webhook: sendWebhook,
  splunk_hec: sendSplunkHec,
  syslog: sendSyslog,
  s3: sendS3,
  elasticsearch: sendElasticsearch,
};

/** Store reads kept for other streams at the same position (each up to max_records records). */
const SHARED_READS = 16;

export interface DelivererOptions {
  pollMs: number;
  /** First retry delay; doubles per consecutive failure up to maxBackoffMs, with full jitter. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Consecutive failures after which the stream shows `failing` (it keeps retrying and keeps its backlog). */
  failAfter: number;
  leaseMs: number;
}

export interface StreamFigures {
  delivered: number;
  failed: number;
}

export class Deliverer {
  private readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  /** Per stream: not before this time (ms) after a failure. */
  private readonly notBefore = new Map<string, number>();
  /** Per stream: when a partial batch was first seen (max_wait_ms counts from there). */
  private readonly pendingSince = new Map<string, number>();
  private readonly held = new Set<string>();
  /** Per stream held: when the lease this process last wrote expires (ms); renewed once less than half of it is left. */
  private readonly leaseUntil = new Map<string, number>();
  /**
   * Store failures (the store went away, as in a PostgreSQL failover) per stream, not yet written to
   * it: written as the stream's last error once the store answers again (the state lives in the store,
   * so it cannot show them while it is away). `outage` holds those from rounds that could not even
   * list the streams; the next listing hands them to every stream.
   */
  private readonly storeFailures = new Map<string, StoreFailure>();
  private outage: StoreFailure | undefined;
  private readonly recentReads = new Map<string, Promise<readonly StreamRecord[]>>();
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: LogStreamStore,
    private readonly clock: Clock,
    private readonly opts: DelivererOptions,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    for (const key of this.held) {
      const [orgId, id] = key.split('\u0000') as [string, string];
      await this.store.write((tx) => tx.logStreams.releaseLogStreamLease(orgId, id, this.owner)).catch(this.onError);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick = this.round()
        .catch(this.onError)
        .finally(() => this.schedule());
    }, this.opts.pollMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    let streams: LogStream[];
    try {
      streams = await this.store.logStreams.listAllLogStreams();
    } catch (err) {
      this.outage = noteFailure(this.outage, err, this.clock.nowMs());
      throw err;
    }
    const outage = this.outage;
    this.outage = undefined;
    // Shared reads live for one round: a short answer (the head as it was) must not outlive it.
    this.recentReads.clear();
    const listed = new Set(streams.map((s) => `${s.orgId}\u0000${s.id}`));
    for (const key of this.storeFailures.keys()) if (!listed.has(key)) this.storeFailures.delete(key);
    for (const key of this.leaseUntil.keys()) if (!listed.has(key)) this.leaseUntil.delete(key);
    await Promise.all(
      streams.map((s) => {
        const key = `${s.orgId}\u0000${s.id}`;
        if (outage) this.storeFailures.set(key, mergeFailures(this.storeFailures.get(key), outage));
        return this.deliver(s).catch((err: unknown) => {
          // A sender never throws (it answers ok or not): what throws here is the store.
          this.storeFailures.set(key, noteFailure(this.storeFailures.get(key), err, this.clock.nowMs()));
          this.onError(err);
        });
      }),
    );
  }

  /** Sends as many full batches as are waiting (and a partial one once it waited max_wait_ms). */
  private async deliver(s: LogStream): Promise<void> {
    const send = SENDERS[s.sink.type];
    const key = `${s.orgId}\u0000${s.id}`;
    if (!send || this.clock.nowMs() < (this.notBefore.get(key) ?? 0)) return;
    // A lease held with more than half its time left is not renewed: one write per stream per half
    // lease instead of one per round (each is a write transaction beside ingest's).
    const nowMs = this.clock.nowMs();
    if ((this.leaseUntil.get(key) ?? 0) - nowMs <= this.opts.leaseMs / 2) {
      this.leaseUntil.delete(key);
      if (!(await this.store.write((tx) => tx.logStreams.claimLogStreamLease(s.orgId, s.id, this.owner, nowMs, this.opts.leaseMs)))) {
        this.held.delete(key);
        // Another process delivers it: what this one saw of the store is not that stream's history.
        this.storeFailures.delete(key);
        return;
      }
      this.leaseUntil.set(key, nowMs + this.opts.leaseMs);
    }
    this.held.add(key);
    // Cursors as of holding the lease (the listing may predate another process's last delivery).
    const fresh = await this.store.logStreams.getLogStream(s.orgId, s.id);
    if (!fresh) return;
    let { auditCursor, usageCursor, attempts } = fresh;
    const storeFailure = this.storeFailures.get(key);
    if (storeFailure) {
      // The outage is one failure; each round it stopped counts as an attempt (a long one shows `failing` until a delivery).
      attempts += storeFailure.rounds;
      const failure = {
        error: `store unavailable (${storeFailure.rounds} rounds since ${new Date(storeFailure.sinceMs).toISOString()}): ${storeFailure.error}`,
        retried: 0,
        failed: 1,
        attempts,
        status: attempts >= this.opts.failAfter ? ('failing' as const) : ('active' as const),
        nowSeconds: this.clock.nowSeconds(),
      };
      await this.store.write((tx) => tx.logStreams.recordLogStreamFailure(s.orgId, s.id, this.owner, failure));
      this.storeFailures.delete(key);
    }
    while (!this.stopped) {
      const raw = await this.read(s, auditCursor, usageCursor);
      if (raw.length === 0) {
        this.pendingSince.delete(key);
        return;
      }
      let nextAudit = auditCursor;
      let nextUsage = usageCursor;
      for (const r of raw) {
        if (r.kind === 'audit') nextAudit = Math.max(nextAudit, r.seq);
        else nextUsage = Math.max(nextUsage, r.seq);
      }
      // Unfiltered, the batch is the shared read itself: a sink can serialise it once for all such streams.
      const records = s.filters.eventTypes || s.filters.projectIds ? raw.filter((r) => matches(s, r)) : raw;
      if (raw.length < s.maxRecords) {
        const since = this.pendingSince.get(key) ?? this.clock.nowMs();
        this.pendingSince.set(key, since);
        if (records.length > 0 && this.clock.nowMs() - since < s.maxWaitMs) return;
      }
      const first = raw[0] as StreamRecord;
      const result =
        records.length === 0
          ? { ok: true }
          : await send(s.sink, { id: `${s.id}_${first.kind[0]}${first.seq}`, records, orgId: s.orgId, streamId: s.id }, this.clock.nowSeconds());
      if (!result.ok) {
        attempts += 1;
        const backoff = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** (attempts - 1)) * Math.random();
        this.notBefore.set(key, this.clock.nowMs() + Math.max(backoff, result.retryAfterMs ?? 0));
        const failure = {
          error: result.error ?? 'delivery failed',
          // failed counts failed attempts; retried those that were a retry of the same batch.
          retried: attempts > 1 ? 1 : 0,
          failed: 1,
          attempts,
          status: attempts >= this.opts.failAfter ? ('failing' as const) : ('active' as const),
          nowSeconds: this.clock.nowSeconds(),
        };
        await this.store.write((tx) => tx.logStreams.recordLogStreamFailure(s.orgId, s.id, this.owner, failure));
        return;
      }
      attempts = 0;
      this.notBefore.delete(key);
      this.pendingSince.delete(key);
      const progress = { auditCursor: nextAudit, usageCursor: nextUsage, delivered: records.length, nowSeconds: this.clock.nowSeconds() };
      if (!(await this.store.write((tx) => tx.logStreams.recordLogStreamDelivery(s.orgId, s.id, this.owner, progress)))) {
        // The lease was lost (this process stalled past it, or the stream was removed): claim again next round.
        this.leaseUntil.delete(key);
        return;
      }
      auditCursor = nextAudit;
      usageCursor = nextUsage;
    }
  }

  /** Up to max_records records after the cursors: audit events first, then usage records (each kind in its order). */
  private async read(s: LogStream, auditCursor: number, usageCursor: number): Promise<readonly StreamRecord[]> {
    // One kind: the shared answer as is (streams at the same position get the same array).
    if (s.records.length === 1) return this.shared(s.records[0] as RecordKind, s.orgId, s.records[0] === 'audit' ? auditCursor : usageCursor, s.maxRecords);
    const out: StreamRecord[] = [];
    if (s.records.includes('audit')) out.push(...(await this.shared('audit', s.orgId, auditCursor, s.maxRecords)));
    if (s.records.includes('usage') && out.length < s.maxRecords) {
      out.push(...(await this.shared('usage', s.orgId, usageCursor, s.maxRecords - out.length)));
    }
    return out;
  }

  /**
   * One store read for the streams of an organization that are at the same position (streams made
   * together move in step): records never change once stored, so the answer is shared within a round.
   * Only the last few reads are kept.
   */
  private shared(kind: RecordKind, orgId: string, after: number, limit: number): Promise<readonly StreamRecord[]> {
    const key = `${kind}\u0000${orgId}\u0000${after}\u0000${limit}`;
    let read = this.recentReads.get(key);
    if (!read) {
      read = kind === 'audit' ? this.store.logStreams.readAuditAfter(orgId, after, limit) : this.store.logStreams.readUsageAfter(orgId, after, limit);
      // A failed read is not kept: the next attempt reads again.
      read.catch(() => this.recentReads.delete(key));
      this.recentReads.set(key, read);
      for (const old of this.recentReads.keys()) {
        if (this.recentReads.size <= SHARED_READS) break;
        this.recentReads.delete(old);
      }
    }
    return read;
  }
}

/** Store failures seen in a row: how many rounds, since when, the last error. */
interface StoreFailure {
  rounds: number;
  sinceMs: number;
  error: string;
}

function noteFailure(prev: StoreFailure | undefined, err: unknown, nowMs: number): StoreFailure {
  const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { rounds: (prev?.rounds ?? 0) + 1, sinceMs: prev?.sinceMs ?? nowMs, error };
}

function mergeFailures(prev: StoreFailure | undefined, next: StoreFailure): StoreFailure {
  return prev ? { rounds: prev.rounds + next.rounds, sinceMs: Math.min(prev.sinceMs, next.sinceMs), error: next.error } : next;
}

function matches(s: LogStream, r: StreamRecord): boolean {
  if (s.filters.eventTypes && !s.filters.eventTypes.includes(r.type)) return false;
  if (s.filters.projectIds && (r.projectId === null || !s.filters.projectIds.includes(r.projectId))) return false;
  return true;
}
