/**
 * `orgledger serve --sync-from URL --sync-interval 5m`: the server keeps a mirror current by running
 * the same sync as `orgledger sync` every interval (one run at a time) into the default organization.
 * The key comes from ORGLEDGER_SYNC_ADMIN_KEY or ORGLEDGER_SYNC_ADMIN_KEY_FILE and is never logged;
 * the status is in /metrics (orgledger_sync_*) and `orgledger sync --status`.
 */
import { DEFAULT_ORG_ID, KeyService } from '../features/keys/service.js';
import { runSync, SYNC_PARTS } from '../features/sync/service.js';
import { UpstreamSide } from '../features/sync/sides.js';
import { UpstreamClient } from '../features/sync/upstream.js';
import { systemClock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import { upstreamKey } from './sync.js';

export interface SyncLoopOptions {
  from: string;
  intervalSeconds: number;
  log: (line: string) => void;
}

/**
 * Starts the loop (first run right away). The returned function stops scheduling and does not wait for
 * a run in progress: a shutdown must not wait minutes for a paced run, and an interrupted run is
 * resumed from its durable cursors by the next one.
 */
export function startSyncLoop(store: Store, o: SyncLoopOptions): () => Promise<void> {
  const key = upstreamKey(undefined, process.env);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const once = async () => {
    try {
      await new KeyService(store, systemClock).ensureOrganization(DEFAULT_ORG_ID, 'Default organization');
      const client = new UpstreamClient({ baseUrl: o.from, adminKey: key, maxRps: 5, onRetry: (what) => o.log(`sync: ${what}`) });
      const now = systemClock.nowSeconds();
      const s = await runSync({
        store,
        orgId: DEFAULT_ORG_ID,
        clock: systemClock,
        upstream: new UpstreamSide(client),
        settings: { since: now - 90 * 86400, settleSeconds: 7200, rereadSeconds: 86400, auditOverlapSeconds: 3600, dryRun: false },
        only: SYNC_PARTS,
      });
      const added = s.streams.reduce((n, r) => n + r.added, 0);
      const corrections = s.streams.reduce((n, r) => n + r.corrections, 0);
      const failed = s.streams.filter((r) => r.error);
      o.log(
        `sync: added ${added} records and ${corrections} corrections in ${s.seconds.toFixed(1)} s${failed.length ? `; failed: ${failed.map((r) => `${r.stream}: ${r.error}`).join('; ')}` : ''}`,
      );
    } catch (err) {
      o.log(`sync: ${(err as Error).message}`);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void once().finally(schedule);
    }, o.intervalSeconds * 1000);
  };
  void once().finally(schedule);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
