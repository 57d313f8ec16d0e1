import type { Command } from 'commander';
import { buildApp } from '../app.js';
import { ConfigError, describeStore, ledgerKeyPath } from '../config/config.js';
import { unpricedNotes } from '../features/costs/unpriced-note.js';
import { DEFAULT_ORG_ID, KeyService } from '../features/keys/service.js';
import { loadOrCreateKeyFile } from '../features/ledger/key-file.js';
import { noteSigner } from '../features/ledger/note.js';
import { systemClock } from '../lib/clock.js';
import { openStore } from '../store/open.js';
import { configFrom, type StoreOptions } from './context.js';
import { demoBanner, startDemo } from './demo.js';
import { startSyncLoop } from './serve-sync.js';
import { upstreamKey } from './sync.js';
import { parseDuration, positiveInt } from './time-args.js';

interface ServeOptions extends StoreOptions {
  host?: string;
  port?: string;
  logLevel?: string;
  autoMigrate?: boolean;
  demo?: boolean;
  demoDays?: number;
  demoPeople?: number;
  ledgerOrigin?: string;
  syncFrom?: string;
  syncInterval?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Run the orgledger server (OpenAI Admin API + ingestion) on the configured store.')
    .option('--host <host>', 'address to listen on [ORGLEDGER_HOST] (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on [ORGLEDGER_PORT] (default 8080; 0 picks a free one)')
    .option('--data <dir>', 'data directory for the embedded store [ORGLEDGER_DATA] (default ./data)')
    .option('--database-url <url>', 'a SQLite file path or postgres:// URL [ORGLEDGER_DATABASE_URL] (default <data>/orgledger.sqlite)')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent [ORGLEDGER_LOG_LEVEL]')
    .option('--demo', 'generate a demo organization into the default one on first start (reused after) and print a working admin key')
    .option('--demo-days <n>', 'days of history the first --demo start generates (default 90)', positiveInt(3660))
    .option('--demo-people <n>', 'size of the organization the first --demo start generates (default 200)', positiveInt(100000))
    .option('--ledger-origin <origin>', 'origin of the ledger checkpoints and name of its key [ORGLEDGER_LEDGER_ORIGIN] (default orgledger.local)')
    .option('--sync-from <url>', 'keep a mirror of this upstream organization current (see docs/sync.md) [ORGLEDGER_SYNC_FROM]')
    .option('--sync-interval <duration>', 'time between mirror runs (default 5m) [ORGLEDGER_SYNC_INTERVAL]')
    .option('--no-auto-migrate', 'refuse to start on an unmigrated store instead of migrating it [ORGLEDGER_AUTO_MIGRATE=false]')
    .addHelpText(
      'after',
      '\nExamples:\n  orgledger serve\n  ORGLEDGER_ADMIN_KEY=sk-admin-my-long-secret orgledger serve --port 9000 --data /var/lib/orgledger\n  orgledger serve --demo --data ./demo-data',
    )
    .action(async (opts: ServeOptions) => {
      const config = configFrom(opts, {
        host: opts.host,
        port: opts.port,
        // The demo is watched in a terminal: one JSON line per request would bury the banner and its key.
        logLevel: opts.logLevel ?? (opts.demo && process.env.ORGLEDGER_LOG_LEVEL === undefined ? 'warn' : undefined),
        autoMigrate: opts.autoMigrate === false ? false : undefined,
        ledgerOrigin: opts.ledgerOrigin,
      });
      const syncFrom = opts.syncFrom ?? process.env.ORGLEDGER_SYNC_FROM;
      const syncEvery = parseDuration(opts.syncInterval ?? process.env.ORGLEDGER_SYNC_INTERVAL ?? '5m');
      if (syncEvery === null || syncEvery < 1) throw new ConfigError('--sync-interval must be a duration like 5m or 1h');
      // A missing upstream key stops the start here, not after listening.
      if (syncFrom) upstreamKey(undefined, process.env);
      const store = openStore(config);
      const keys = new KeyService(store, systemClock);
      const created = await keys.bootstrap(config.adminKey, (m) => process.stderr.write(`warning: ${m}\n`));
      const demo = opts.demo ? await startDemo(store, keys, config, created?.secret ?? null, { days: opts.demoDays, people: opts.demoPeople }) : null;
      const ledgerSigner = noteSigner(config.ledgerOrigin, loadOrCreateKeyFile(ledgerKeyPath(config)));
      const app = await buildApp(config, { store, ledgerSigner });
      app.services.ledger.start(config.ledgerCheckpointMs, (err) => app.log.error({ err }, 'ledger checkpoint failed'));
      if (config.retentionIntervalSeconds > 0)
        app.services.retention.start(config.retentionIntervalSeconds * 1000, (err) => app.log.error({ err }, 'retention failed'));
      const address = await app.listen({ host: config.host, port: config.port });
      const url = address.replace('[::1]', 'localhost');

      const stopSync = syncFrom
        ? startSyncLoop(store, { from: syncFrom, intervalSeconds: syncEvery, log: (line) => app.log.warn(line) })
        : async () => undefined;

      let closing = false;
      const shutdown = async (signal: string) => {
        if (closing) return;
        closing = true;
        app.log.info({ signal }, 'shutting down: no new requests, flushing pending writes');
        await stopSync();
        await app.close();
        await store.close();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));

      const lines = [`orgledger listening on ${url} (store: ${describeStore(config)})`, `  OpenAI base URL: ${url}/v1`];
      if (demo) lines.push(...demoBanner(url, demo));
      else if (created) {
        lines.push(`  admin key (shown once, store it now): ${created.secret}`);
        lines.push(`  try: curl -H "Authorization: Bearer ${created.secret}" ${url}/v1/organization/audit_logs`);
      } else if (config.adminKey) lines.push('  admin key: the one in ORGLEDGER_ADMIN_KEY');
      else lines.push('  admin key: an existing one (create another with `orgledger keys create --name NAME`)');
      for (const note of unpricedNotes(await store.costs.listUnpricedUsage(DEFAULT_ORG_ID))) lines.push(`  note: ${note}`);
      if (demo) lines.push('', `  print this again: press Enter here, or kill -USR2 ${process.pid}`);
      const banner = () => process.stdout.write(`${lines.join('\n')}\n`);
      banner();
      if (demo) reprintOnDemand(banner);
    });
}

/** `serve --demo` prints its banner again on Enter (when stdin is a terminal) and on SIGUSR2. */
function reprintOnDemand(banner: () => void): void {
  if (process.platform !== 'win32') process.on('SIGUSR2', banner);
  if (process.stdin.isTTY) {
    process.stdin.on('data', banner);
  }
}
