/**
 * One mirror run per organization at a time: a lease in `sync_locks`, renewed while the run lasts and
 * deleted when it ends. Two runs at once would not corrupt anything (records are deduplicated by id),
 * but they would double the upstream requests and race on the cursors. A lease whose holder stopped
 * renewing (expired), or whose process is gone on this host (a SIGKILL), is taken over at once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../../lib/clock.js';
import type { Writer } from '../../lib/writer.js';
import type { SyncWrites } from './store.js';
import type { SyncLock } from './types.js';

/** A holder that stops renewing loses the lock after this long. */
export const LOCK_TTL_SECONDS = 120;
const RENEW_MS = 30_000;

/** `orgledger sync` exits with this code when another run holds the lock (EX_TEMPFAIL: try again later). */
export const LOCKED_EXIT_CODE = 75;

const iso = (t: number) => new Date(t * 1000).toISOString().replace('.000Z', 'Z');

export class SyncLockedError extends Error {
  constructor(readonly holder: SyncLock) {
    super(
      `another sync of organization ${holder.orgId} is running (pid ${holder.pid} on ${holder.host}, since ${iso(holder.acquiredAt)}); ` +
        `this run did nothing. Try again when it ends (a holder that stops renewing loses the lock ${LOCK_TTL_SECONDS} s after its last renewal)`,
    );
  }
}

/** Whether a process of this host still runs (EPERM: it runs under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface HeldLock {
  lock: SyncLock;
  release(): Promise<void>;
}

/** Takes the organization's sync lock or throws SyncLockedError naming the holder. */
export async function acquireSyncLock(store: Writer<{ sync: SyncWrites }>, orgId: string, clock: Clock): Promise<HeldLock> {
  const host = hostname();
  const now = clock.nowSeconds();
  const mine: SyncLock = {
    orgId,
    owner: `${host}:${process.pid}:${randomBytes(6).toString('hex')}`,
    host,
    pid: process.pid,
    acquiredAt: now,
    expiresAt: now + LOCK_TTL_SECONDS,
  };
  const holder = await store.write(async (tx) => {
    const current = await tx.sync.findSyncLock(orgId);
    const stale = current !== null && (current.expiresAt <= now || (current.host === host && current.pid !== process.pid && !alive(current.pid)));
    if (current !== null && !stale) return current;
    if (await tx.sync.takeSyncLock(mine, current?.owner ?? null)) return null;
    // Another process took it between the read and the write.
    return (await tx.sync.findSyncLock(orgId)) ?? current ?? mine;
  });
  if (holder) throw new SyncLockedError(holder);
  const timer = setInterval(() => {
    store.write((tx) => tx.sync.renewSyncLock(orgId, mine.owner, clock.nowSeconds() + LOCK_TTL_SECONDS)).catch(() => undefined);
  }, RENEW_MS);
  timer.unref();
  return {
    lock: mine,
    release: async () => {
      clearInterval(timer);
      await store.write((tx) => tx.sync.releaseSyncLock(orgId, mine.owner));
    },
  };
}
