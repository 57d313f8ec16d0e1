/**
 * The one way to open a store: the engine follows the configured URL (postgres:// is PostgreSQL,
 * anything else a SQLite file, by default <data>/orgledger.sqlite). Used by serve, every CLI command,
 * the tests and the benchmarks, so each runs the store exactly as production does.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Config, sqlitePath, storeEngine } from '../config/config.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { migrateSqlite, openConnection, SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/**
 * Opens the configured store, migrating it when config.autoMigrate is on. SQLite is open on return;
 * PostgreSQL connects and migrates in the background (the first call waits): `await storeReady(store)`
 * to surface a connection or migration failure at once.
 */
export function openStore(config: Config): Store {
  if (storeEngine(config) === 'postgres') {
    return new PostgresStore({
      url: config.databaseUrl as string,
      poolSize: config.pgPoolSize,
      maxJobsPerBatch: config.maxBatchJobs,
      autoMigrate: config.autoMigrate,
      connectWaitSeconds: config.pgConnectWaitSeconds,
      readTimeoutMs: config.readTimeoutMs,
      readers: config.pgReaders,
    });
  }
  return new SqliteStore({
    path: sqlitePath(config),
    synchronous: config.sqliteSynchronous,
    maxJobsPerBatch: config.maxBatchJobs,
    autoMigrate: config.autoMigrate,
    quickCheck: config.sqliteQuickCheck,
    readers: config.sqliteReaders,
    readTimeoutMs: config.readTimeoutMs,
  });
}

/** Resolves once the store is connected and migrated; rejects with the reason it cannot be. */
export async function storeReady(store: Store): Promise<void> {
  if (store instanceof PostgresStore) await store.whenReady();
}

/** Applies pending migrations to the configured store (`orgledger migrate`); returns how many ran. */
export async function migrateStore(config: Config): Promise<number> {
  if (storeEngine(config) === 'postgres') {
    // Opening the engine with autoMigrate applies pending migrations under the advisory lock.
    const store = new PostgresStore({
      url: config.databaseUrl as string,
      poolSize: 2,
      maxJobsPerBatch: 1,
      autoMigrate: true,
      connectWaitSeconds: config.pgConnectWaitSeconds,
    });
    try {
      return await store.migrated();
    } finally {
      await store.close();
    }
  }
  const path = sqlitePath(config);
  mkdirSync(dirname(path), { recursive: true });
  const db = openConnection(path, false);
  try {
    db.pragma('journal_mode = WAL');
    return migrateSqlite(db);
  } finally {
    db.close();
  }
}
