import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import { sqlitePath } from '../config/config.js';
import { migrateSqlite } from '../store/sqlite/sqlite-store.js';
import { configFrom, type StoreOptions } from './context.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending schema migrations to the store (serve does this at start unless --no-auto-migrate).')
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the store to migrate [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .action((opts: StoreOptions) => {
      const path = sqlitePath(configFrom(opts));
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
