import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { describeStore, sqlitePath, storeEngine } from '../config/config.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { migrateSqlite } from '../store/sqlite/sqlite-store.js';
import { configFrom, type StoreOptions } from './context.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending schema migrations to the store (serve does this at start unless --no-auto-migrate).')
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the store to migrate [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .action(async (opts: StoreOptions) => {
      const config = configFrom(opts);
      if (storeEngine(config) === 'postgres') {
        // Opening the engine with autoMigrate applies pending migrations under the advisory lock.
        const store = new PostgresStore({
          url: config.databaseUrl as string,
          poolSize: 2,
          maxJobsPerBatch: 1,
          autoMigrate: true,
          connectWaitSeconds: config.pgConnectWaitSeconds,
        });
        const applied = await store.migrated();
        await store.close();
        process.stdout.write(`${describeStore(config)}: ${applied} migration(s) applied\n`);
        return;
      }
      const path = sqlitePath(config);
      mkdirSync(dirname(path), { recursive: true });
      const db = new Database(path);
      try {
        db.pragma('busy_timeout = 10000');
        db.pragma('journal_mode = WAL');
        const applied = migrateSqlite(db);
        process.stdout.write(`${path}: ${applied} migration(s) applied\n`);
      } finally {
        db.close();
      }
    });
}
