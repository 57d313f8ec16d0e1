/**
 * The live tail: clients join their organization's hub (hub.ts); a client resuming from a sequence
 * first reads its backlog from the store at its own pace while the hub holds live events for it.
 */
import { type LiveTailSettings, OrgHub } from './hub.js';
import type { LiveTailReads, TailEvent } from './store.js';
import type { Subscriber } from './subscriber.js';

const BACKLOG_PAGE = 500;

export class LiveTail {
  private readonly hubs = new Map<string, OrgHub>();

  constructor(
    private readonly reads: LiveTailReads,
    private readonly settings: LiveTailSettings,
    private readonly keyValid: (orgId: string, secret: string) => Promise<boolean>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** This process committed audit events in these organizations. */
  wake(orgIds: Iterable<string>): void {
    for (const orgId of orgIds) this.hubs.get(orgId)?.wake();
  }

  /** Polls run so far by the organization's hub (0 without one): what the benchmark and tests count. */
  pollsOf(orgId: string): number {
    return this.hubs.get(orgId)?.polls ?? 0;
  }

  clientCount(): number {
    let n = 0;
    for (const hub of this.hubs.values()) n += hub.subscribers.size;
    return n;
  }

  /**
   * Streams to `sub` the events after `fromSeq` (null: from now on). With follow=false the stream
   * ends once the events committed so far are sent.
   */
  async subscribe(sub: Subscriber, fromSeq: number | null, follow: boolean): Promise<void> {
    if (!follow) {
      const head = await this.reads.auditHeadSeq(sub.orgId);
      sub.hello(fromSeq ?? head);
      if (fromSeq !== null) await this.sendBacklog(sub, fromSeq, head);
      sub.finish();
      return;
    }
    const hub = this.hubFor(sub.orgId);
    hub.joining++;
    try {
      await hub.ready;
    } finally {
      hub.joining--;
    }
    if (sub.closed) return this.leave(hub, sub);
    sub.onClose(() => this.leave(hub, sub));
    const joinSeq = hub.seq;
    const start = fromSeq ?? joinSeq;
    sub.lastSeq = Math.min(start, joinSeq);
    hub.add(sub);
    sub.hello(start);
    if (start >= joinSeq) {
      sub.lastSeq = start;
      return;
    }
    sub.startCatchUp();
    try {
      await this.sendBacklog(sub, start, joinSeq);
    } finally {
      sub.finishCatchUp();
    }
  }

  /** Ends every stream (server shutdown). */
  close(): void {
    for (const hub of this.hubs.values()) {
      hub.stop();
      for (const s of hub.subscribers) s.end('server_shutdown', 'The server is shutting down; reconnect with Last-Event-ID to resume.');
    }
    this.hubs.clear();
  }

  private async sendBacklog(sub: Subscriber, from: number, to: number): Promise<void> {
    let cursor = from;
    while (cursor < to && !sub.closed) {
      const rows: TailEvent[] = await this.reads.auditEventsAfter(sub.orgId, cursor, Math.min(BACKLOG_PAGE, to - cursor));
      if (rows.length === 0) break;
      for (const e of rows) {
        if (e.seq > to || sub.closed) return;
        await sub.sendBacklog(e);
        cursor = e.seq;
      }
    }
  }

  private hubFor(orgId: string): OrgHub {
    let hub = this.hubs.get(orgId);
    if (!hub) {
      hub = new OrgHub(orgId, this.reads, this.settings, this.keyValid, this.onError);
      this.hubs.set(orgId, hub);
    }
    return hub;
  }

  private leave(hub: OrgHub, sub: Subscriber): void {
    hub.remove(sub);
    // A hub stays while a client is still waiting for its start.
    if (hub.subscribers.size === 0 && hub.joining === 0 && this.hubs.get(hub.orgId) === hub) {
      hub.stop();
      this.hubs.delete(hub.orgId);
    }
  }
}
