/**
 * A store opened the way serve opens it (openStore over a loaded config), for store-level tests:
 * `databaseUrl` is a postgres:// URL or a SQLite file path; other flags as the CLI takes them.
 */
import { type Config, loadConfig } from '../../src/config/config.js';
import { openStore, storeReady } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';

export async function openTestStore(flags: Partial<Record<keyof Config, unknown>> & { databaseUrl: string }): Promise<Store> {
  const store = openStore(loadConfig({ env: {}, flags: { autoMigrate: true, pgConnectWaitSeconds: 5, ...flags } }));
  await storeReady(store);
  return store;
}
