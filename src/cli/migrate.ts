import type { Command } from 'commander';
import { describeStore } from '../config/config.js';
import { migrateStore } from '../store/open.js';
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
      const applied = await migrateStore(config);
      process.stdout.write(`${describeStore(config)}: ${applied} migration(s) applied\n`);
    });
}
