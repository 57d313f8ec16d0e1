/**
 * The live tail's fan-out: one hub per organization with clients polls the store for new events (every
 * pollMs, and at once when this process commits audit events there), whatever the number of clients,
 * and hands each event to every client. The hub also sends heartbeats and rechecks client keys (once
 * per distinct key), so 1,000 clients cost one query per organization per interval.
 */
import type { ListedAuditEvent } from '../audit-logs/types.js';
import type { LiveTailReads } from './store.js';
import { type Subscriber, sseText } from './subscriber.js';

export interface LiveTailSettings {
  pollMs: number;
  heartbeatMs: number;
  keyRecheckMs: number;
}

/** Events read per query; a longer backlog is read in several. */
const BATCH = 500;
/** Wakes on commit come at most this often per organization, so a burst of commits is one poll. */
const MIN_WAKE_GAP_MS = 20;

export class OrgHub {
  readonly subscribers = new Set<Subscriber>();
  /** Subscribers by filter: one evaluation and one SSE text per filter. */
  private readonly groups = new Map<string, { matches: (e: ListedAuditEvent) => boolean; members: Set<Subscriber> }>();
  /** The highest sequence handed to the subscribers. */
  seq = 0;
  polls = 0;
  /** Clients waiting for `ready`. */
  joining = 0;
  readonly ready: Promise<void>;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private again = false;
  private stopped = false;
  private lastPollMs = 0;
  private lastKeyCheckMs = Date.now();

  constructor(
    readonly orgId: string,
    private readonly reads: LiveTailReads,
    private readonly settings: LiveTailSettings,
    private readonly keyValid: (orgId: string, secret: string) => Promise<boolean>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.ready = reads.auditHeadSeq(orgId).then((seq) => {
      this.seq = seq;
      this.schedule(settings.pollMs);
    });
  }

  /** A commit in this process added events here: poll soon instead of at the next interval. */
  wake(): void {
    if (this.stopped) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    this.schedule(Math.max(0, this.lastPollMs + MIN_WAKE_GAP_MS - Date.now()));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    this.polling = true;
    this.lastPollMs = Date.now();
    try {
      for (;;) {
        this.polls++;
        const rows = await this.reads.auditEventsAfter(this.orgId, this.seq, BATCH);
        this.fanOut(rows);
        if (rows.length < BATCH || this.stopped) break;
      }
    } catch (err) {
      // A store hiccup delays events; the next poll reads from the same sequence.
      this.onError(err);
    } finally {
      this.polling = false;
    }
    const now = Date.now();
    for (const s of this.subscribers) s.heartbeat(now, this.settings.heartbeatMs);
    if (now - this.lastKeyCheckMs >= this.settings.keyRecheckMs) {
      this.lastKeyCheckMs = now;
      void this.recheckKeys();
    }
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      this.wake();
    } else this.schedule(this.settings.pollMs);
  }

  add(sub: Subscriber): void {
    this.subscribers.add(sub);
    let group = this.groups.get(sub.filterKey);
    if (!group) {
      group = { matches: sub.matches, members: new Set() };
      this.groups.set(sub.filterKey, group);
    }
    group.members.add(sub);
  }

  remove(sub: Subscriber): void {
    this.subscribers.delete(sub);
    const group = this.groups.get(sub.filterKey);
    group?.members.delete(sub);
    if (group?.members.size === 0) this.groups.delete(sub.filterKey);
  }

  /** Each filter runs once per event, and each client gets one write per poll. */
  private fanOut(rows: ListedAuditEvent[]): void {
    if (rows.length === 0) return;
    this.seq = (rows[rows.length - 1] as ListedAuditEvent).seq;
    for (const group of this.groups.values()) {
      const matching = rows.filter(group.matches);
      if (matching.length === 0) continue;
      const text = matching.map(sseText).join('');
      for (const s of group.members) s.deliver(matching, text);
    }
  }

  private async recheckKeys(): Promise<void> {
    const secrets = new Set([...this.subscribers].map((s) => s.secret));
    for (const secret of secrets) {
      let valid: boolean;
      try {
        valid = await this.keyValid(this.orgId, secret);
      } catch (err) {
        this.onError(err);
        continue;
      }
      if (valid) continue;
      for (const s of this.subscribers)
        if (s.secret === secret) s.end('key_revoked', 'The admin API key of this stream was revoked, expired or lost the audit_logs.read scope.');
    }
  }
}
