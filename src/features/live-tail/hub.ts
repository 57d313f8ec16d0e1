/**
 * The live tail's fan-out: one hub per organization with clients polls the store for new events (every
 * pollMs, and soon after this process commits audit events there), whatever the number of clients,
 * and hands each event to every client. The hub also sends heartbeats and rechecks client keys (once
 * per distinct key), so 1,000 clients cost one query per organization per wake-up.
 *
 * Writing is the cost that grows with clients (one socket write per client per poll), so:
 * - each event becomes SSE bytes once per poll, and clients with the same filters share one Buffer
 *   (a socket that cannot take it yet holds a reference, not a copy);
 * - the writes go out in slices of SLICE clients with the event loop free between them, so ingest
 *   requests (and PostgreSQL round trips) are answered during a large fan-out;
 * - the order of clients turns by one slice per poll, so no client is always served last;
 * - wake-ups are spaced so fan-out takes at most FANOUT_SHARE of the process's time: a hub whose
 *   last fan-out wrote for 30 ms waits 300 ms before the next, collecting more events per write,
 *   never more than MAX_GAP_MS (the lag target is 1 s).
 */
import type { LiveTailReads, TailEvent } from './store.js';
import { type Subscriber, sseText } from './subscriber.js';

export interface LiveTailSettings {
  pollMs: number;
  heartbeatMs: number;
  keyRecheckMs: number;
}

/** Events read per query; a longer backlog is read in several. */
const BATCH = 500;
/** Events handed out per fan-out: a longer backlog is fanned out in several. */
const MAX_FANOUT_ROWS = 5000;
/** A client's share of one fan-out is cut into writes of about this size (each under its byte bound). */
const CHUNK_BYTES = 128 * 1024;
/** Wakes on commit come at most this often per organization, so a burst of commits is one poll. */
const MIN_WAKE_GAP_MS = 20;
/** The longest wait the fan-out's cost may add before a poll. */
const MAX_GAP_MS = 250;
/** The share of the process's time one hub's writes may take, which spaces its polls. */
const FANOUT_SHARE = 0.1;
/** Clients written per turn of the event loop. */
const SLICE = 250;

/**
 * Milliseconds since `start` once the socket writes of a slice have run: Node's HTTP responses cork
 * their socket and write on the next tick, after the slice, so the barrier is a later tick.
 */
function writesDone(start: number): Promise<number> {
  return new Promise((resolve) => process.nextTick(() => resolve(performance.now() - start)));
}

/** Consecutive matched events and their SSE bytes: one write. */
interface Piece {
  events: TailEvent[];
  chunk: Buffer;
}

/** The picked rows as pieces of about CHUNK_BYTES each. */
function cut(rows: TailEvent[], picked: number[], bytesOf: (i: number) => Buffer): Piece[] {
  const pieces: Piece[] = [];
  let events: TailEvent[] = [];
  let bufs: Buffer[] = [];
  let size = 0;
  const flush = () => {
    pieces.push({ events, chunk: bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs, size) });
    events = [];
    bufs = [];
    size = 0;
  };
  for (const i of picked) {
    const b = bytesOf(i);
    if (size > 0 && size + b.length > CHUNK_BYTES) flush();
    events.push(rows[i] as TailEvent);
    bufs.push(b);
    size += b.length;
  }
  flush();
  return pieces;
}

export class OrgHub {
  readonly subscribers = new Set<Subscriber>();
  /** Subscribers by filter: one evaluation and one SSE text per filter. */
  private readonly groups = new Map<string, { matches: (e: TailEvent) => boolean; members: Set<Subscriber> }>();
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
  /** The gap the last fan-out's cost asks for before the next poll (MIN_WAKE_GAP_MS when cheap). */
  private gapMs = MIN_WAKE_GAP_MS;
  /** Where the next fan-out starts in each filter group's clients: turns so no client is always last. */
  private turn = 0;
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
    this.schedule(Math.max(0, this.lastPollMs + this.gapMs - Date.now()));
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
      // A backlog (a burst of ingest, a slow wake-up) is read in pages but fanned out in one go: the
      // writes per client stay one per poll (or per CHUNK_BYTES), however many pages it took.
      for (let caughtUp = false; !caughtUp && !this.stopped; ) {
        const rows: TailEvent[] = [];
        while (rows.length < MAX_FANOUT_ROWS) {
          this.polls++;
          const page = await this.reads.auditEventsAfter(this.orgId, rows.at(-1)?.seq ?? this.seq, BATCH);
          for (const row of page) rows.push(row);
          if (page.length < BATCH) {
            caughtUp = true;
            break;
          }
        }
        await this.fanOut(rows);
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
    } else this.schedule(Math.max(this.settings.pollMs, this.gapMs));
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

  /**
   * Hands the rows to every client whose filter they match: each filter runs once per event, each
   * event is serialized once, each client gets one write, SLICE clients per turn of the event loop.
   */
  private async fanOut(rows: TailEvent[]): Promise<void> {
    if (rows.length === 0) return;
    // From here a joining client starts after these rows: it is not in the snapshot below.
    this.seq = (rows[rows.length - 1] as TailEvent).seq;
    const bytes: (Buffer | undefined)[] = new Array(rows.length);
    const bytesOf = (i: number) => {
      let b = bytes[i];
      if (!b) {
        b = Buffer.from(sseText(rows[i] as TailEvent));
        bytes[i] = b;
      }
      return b;
    };
    let all: Piece[] | undefined;
    const work: { members: Subscriber[]; pieces: Piece[] }[] = [];
    for (const group of this.groups.values()) {
      const picked: number[] = [];
      for (let i = 0; i < rows.length; i++) if (group.matches(rows[i] as TailEvent)) picked.push(i);
      if (picked.length === 0) continue;
      // Clients following everything (the common case) share one set of pieces.
      let pieces: Piece[];
      if (picked.length < rows.length) pieces = cut(rows, picked, bytesOf);
      else {
        all ??= cut(rows, picked, bytesOf);
        pieces = all;
      }
      const members = [...group.members];
      const start = (this.turn * SLICE) % members.length;
      work.push({ members: members.slice(start).concat(members.slice(0, start)), pieces });
    }
    this.turn++;
    let busyMs = 0;
    let written = 0;
    let sliceStart = performance.now();
    for (const { members, pieces } of work) {
      for (const s of members) {
        s.startRound();
        for (const piece of pieces) s.deliver(piece.events, piece.chunk);
        if (++written % SLICE === 0) {
          busyMs += await writesDone(sliceStart);
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (this.stopped) return;
          sliceStart = performance.now();
        }
      }
    }
    busyMs += await writesDone(sliceStart);
    this.gapMs = Math.min(MAX_GAP_MS, Math.max(MIN_WAKE_GAP_MS, busyMs / FANOUT_SHARE));
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
