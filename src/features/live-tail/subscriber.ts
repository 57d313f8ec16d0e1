/**
 * One live-tail client: its Server-Sent Events response, its filter, how far it has been sent, and a
 * byte bound on what waits for it. Writing never waits: a client whose unsent bytes exceed the bound
 * is dropped with a final `event: error`, so a slow reader cannot slow ingest or other readers.
 */
import type { ServerResponse } from 'node:http';
import type { TailEvent } from './store.js';

export type EndReason = 'slow_client' | 'key_revoked' | 'server_shutdown' | 'store_error';

/** Dropped sockets get this long to take the final event before they are destroyed. */
const FAREWELL_MS = 30_000;

/** One event as an SSE message: id = the per-organization sequence, data = the AuditLog JSON. */
export function sseText(e: TailEvent): string {
  return `id: ${e.seq}\ndata: ${e.body}\n\n`;
}

export class Subscriber {
  /** The last sequence this client has been sent or passed over (filters skip events). */
  lastSeq = 0;
  lastWriteMs = Date.now();
  closed = false;
  /** Live events held while the client's backlog is read from the store; null once caught up. */
  private pending: TailEvent[] | null = null;
  private pendingBytes = 0;
  private readonly onCloseHandlers: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    readonly orgId: string,
    /** The bearer secret, rechecked periodically: a revoked key ends the stream. */
    readonly secret: string,
    /** Clients with the same filters share one evaluation of it per event (see OrgHub). */
    readonly filterKey: string,
    readonly matches: (e: TailEvent) => boolean,
    private readonly maxBytes: number,
  ) {
    res.on('close', () => this.markClosed());
  }

  onClose(fn: () => void): void {
    this.onCloseHandlers.push(fn);
  }

  /** Live events from the organization's hub, already matched, and their SSE bytes (shared): one write for the lot. */
  deliver(events: TailEvent[], chunk: Buffer): void {
    if (this.closed || events.length === 0) return;
    if (this.pending) {
      for (const e of events) {
        this.pending.push(e);
        this.pendingBytes += e.body.length;
      }
      if (this.pendingBytes > this.maxBytes) this.end('slow_client', this.slowMessage());
      return;
    }
    if ((events[0] as TailEvent).seq <= this.lastSeq) {
      for (const e of events) this.send(e);
      return;
    }
    this.lastSeq = (events[events.length - 1] as TailEvent).seq;
    // The bound was checked at the round's start (startRound): a burst is written whole.
    this.res.write(chunk);
    this.lastWriteMs = Date.now();
  }

  /**
   * The start of one fan-out round: a client still holding more than the bound of what earlier rounds
   * wrote is dropped. The round's own bytes are not counted, so a burst larger than the bound (big
   * events, or many gathered by one poll) does not drop a client that keeps up; what one round can
   * add is bounded by the hub's fan-out, and its buffers are shared between clients.
   */
  startRound(): void {
    if (!this.closed && !this.pending && this.res.writableLength > this.maxBytes) this.end('slow_client', this.slowMessage());
  }

  /** Holds live events while the backlog is sent. */
  startCatchUp(): void {
    this.pending = [];
  }

  /** Backlog events, written with backpressure: the client reads them at its own pace. */
  async sendBacklog(e: TailEvent): Promise<void> {
    this.send(e);
    if (!this.closed && this.res.writableNeedDrain)
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
  }

  /** The backlog is sent: the held live events follow, and later ones go straight out. */
  finishCatchUp(): void {
    const held = this.pending ?? [];
    this.pending = null;
    this.pendingBytes = 0;
    for (const e of held) this.send(e);
  }

  /** The first lines, once the client is joined to the live events: a client may wait for them before listing. */
  hello(fromSeq: number): void {
    this.write(`: orgledger audit log stream from sequence ${fromSeq}\nretry: 1000\n\n`);
  }

  heartbeat(nowMs: number, everyMs: number): void {
    if (this.closed || this.pending || nowMs - this.lastWriteMs < everyMs) return;
    this.write(`: heartbeat ${new Date(nowMs).toISOString()}\n\n`);
  }

  /** Ends the stream with a final `event: error` naming why (the OpenAI error envelope as data). */
  end(code: EndReason, message: string): void {
    if (this.closed) return;
    const body = { error: { message, type: code === 'key_revoked' ? 'invalid_request_error' : 'server_error', param: null, code } };
    this.res.end(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
    setTimeout(() => this.res.destroy(), FAREWELL_MS).unref();
    this.markClosed();
  }

  /** Ends a stream that has said all it was asked to (follow=false). */
  finish(): void {
    if (this.closed) return;
    this.res.end();
    this.markClosed();
  }

  private send(e: TailEvent): void {
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    if (!this.matches(e)) return;
    this.write(sseText(e));
  }

  private write(chunk: string | Buffer): void {
    if (this.closed) return;
    if (this.res.writableLength + chunk.length > this.maxBytes) {
      this.end('slow_client', this.slowMessage());
      return;
    }
    this.res.write(chunk);
    this.lastWriteMs = Date.now();
  }

  private slowMessage(): string {
    return `The client read too slowly: more than ${this.maxBytes} bytes waited for it. Reconnect with the last event id received (Last-Event-ID) to resume without a gap.`;
  }

  private markClosed(): void {
    if (this.closed && this.onCloseHandlers.length === 0) return;
    this.closed = true;
    const handlers = this.onCloseHandlers.splice(0);
    for (const fn of handlers) fn();
  }
}
