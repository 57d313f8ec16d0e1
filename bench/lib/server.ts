/**
 * A benchmark server: the production buildApp() (logger off) on a SQLite file, listening on
 * 127.0.0.1 with an ephemeral port, with a fixed admin key in the default organization.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { KeyService } from '../../src/features/keys/service.js';
import { systemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

export const BENCH_ADMIN_KEY = 'sk-admin-bench-0123456789abcdefghijklmnop';

export function benchConfig(dataDir: string): Config {
  return loadConfig({ env: {}, flags: { dataDir, port: 0, logLevel: 'silent' } });
}

/** Opens (and migrates) a store at `path` with the default organization and the bench admin key. */
export async function openBenchStore(config: Config, path: string): Promise<SqliteStore> {
  const store = openStore({ ...config, databaseUrl: path }) as SqliteStore;
  await new KeyService(store, systemClock).bootstrap(BENCH_ADMIN_KEY);
  return store;
}

export interface BenchServer<S extends Store = SqliteStore> {
  app: FastifyInstance;
  store: S;
  url: string;
  close(): Promise<void>;
}

export async function startBenchServer(config: Config, path: string): Promise<BenchServer> {
  return listenOn(config, await openBenchStore(config, path));
}

/** The app on `store`, listening on 127.0.0.1 at a free port; close() closes both. */
export async function listenOn<S extends Store>(config: Config, store: S): Promise<BenchServer<S>> {
  const app = await buildApp(config, { store, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the bench server has no TCP address');
  return {
    app,
    store,
    url: `http://127.0.0.1:${address.port}`,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
