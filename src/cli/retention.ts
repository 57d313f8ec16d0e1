/** `orgledger retention set|show|apply`: per-organization retention of audit and usage record bodies (docs/ledger.md). */
import { existsSync, readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { ConfigError, ledgerKeyPath } from '../config/config.js';
import { KeyService } from '../features/keys/service.js';
import { noteSigner } from '../features/ledger/note.js';
import { RetentionService } from '../features/ledger/retention.js';
import { LedgerService } from '../features/ledger/service.js';
import { systemClock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';
import { parseDuration } from './time-args.js';

interface RetentionOptions extends StoreOptions {
  org?: string;
  keyFile?: string;
  ledgerOrigin?: string;
  audit?: number | null;
  usage?: number | null;
  json?: boolean;
}

/** `400d`, `12w`, `1d12h`, or `off` (keep for ever). */
function retentionArg(text: string): number | null {
  if (text === 'off') return null;
  const seconds = parseDuration(text);
  if (seconds === null || seconds < 1) throw new InvalidArgumentError(`'${text}' is neither a duration (400d, 12w, 36h) nor 'off'`);
  return seconds;
}

const days = (seconds: number | null) => (seconds === null ? 'kept for ever' : seconds % 86400 === 0 ? `${seconds / 86400}d` : `${seconds}s`);

/** Services over a local store, signing with the key file (`apply` signs checkpoints and prune notes). */
function services(store: Store, opts: RetentionOptions): RetentionService {
  const config = configFrom(opts, { ledgerKeyFile: opts.keyFile, ledgerOrigin: opts.ledgerOrigin });
  const path = ledgerKeyPath(config);
  if (!existsSync(path)) throw new ConfigError(`no ledger key file at ${path} (serve creates it on first start; --key-file names another)`);
  const ledger = new LedgerService(store, noteSigner(config.ledgerOrigin, readFileSync(path, 'utf8')), config.ledgerOrigin, systemClock);
  return new RetentionService(store, systemClock, ledger);
}

async function show(store: Store, orgId: string, opts: RetentionOptions): Promise<void> {
  const state = await new RetentionService(store, systemClock).show(orgId);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ organization: orgId, ...state })}\n`);
    return;
  }
  for (const l of state.logs) {
    const pruned = l.pruned_size > 0 ? `, pruned up to leaf ${l.pruned_size}${l.pruned_at ? ` (${new Date(l.pruned_at * 1000).toISOString()})` : ''}` : '';
    process.stdout.write(`${orgId} ${l.name}: ${days(l.retention_seconds)}${pruned}\n`);
  }
}

export function registerRetention(program: Command): void {
  const retention = program.command('retention').description('How long audit events and usage record bodies are kept; pruning keeps their ledger leaf hashes.');
  const storeOptions = (cmd: Command) =>
    cmd
      .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
      .option('--database-url <url>', 'a SQLite file path or postgres:// URL [ORGLEDGER_DATABASE_URL]')
      .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
      .option('--org <id or name>', 'the organization (default org-default)');

  storeOptions(retention.command('set').description('Set (a duration) or remove (off) the retention of audit events and/or usage records.'))
    .option('--audit <duration|off>', 'keep audit events this long (by effective_at), e.g. 400d', retentionArg)
    .option('--usage <duration|off>', 'keep usage records and cost entries this long (by created_at), e.g. 90d', retentionArg)
    .option('--json', 'print the result as JSON')
    .action(async (opts: RetentionOptions) => {
      if (opts.audit === undefined && opts.usage === undefined)
        throw new ConfigError('retention set needs --audit and/or --usage (a duration like 400d, or off)');
      await withStore(configFrom(opts), async (store) => {
        const orgId = await resolveOrg(store, opts.org);
        // Recorded as an organization.updated audit event by the organization's orgledger operator.
        const operator = await new KeyService(store, systemClock).operatorPrincipal(orgId);
        await new RetentionService(store, systemClock).update(operator, { audit: opts.audit, usage: opts.usage });
        await show(store, orgId, opts);
      });
    });

  storeOptions(retention.command('show').description("Print an organization's retention and what was pruned."))
    .option('--json', 'print JSON')
    .action(async (opts: RetentionOptions) => {
      await withStore(configFrom(opts), async (store) => show(store, await resolveOrg(store, opts.org), opts));
    });

  storeOptions(
    retention
      .command('apply')
      .description('Prune now what retention no longer keeps (serve does it every ORGLEDGER_RETENTION_INTERVAL_SECONDS); signs with the ledger key.'),
  )
    .option('--all', 'every organization with a policy (default: --org only)')
    .option('--key-file <file>', 'the ledger signing key [ORGLEDGER_LEDGER_KEY_FILE] (default <data>/ledger-key.pem)')
    .option('--ledger-origin <origin>', 'the ledger origin, which names the key [ORGLEDGER_LEDGER_ORIGIN]')
    .action(async (opts: RetentionOptions & { all?: boolean }) => {
      await withStore(configFrom(opts), async (store) => {
        const orgId = opts.all ? undefined : await resolveOrg(store, opts.org);
        const results = await services(store, opts).apply(orgId);
        if (results.length === 0) process.stdout.write(`no retention policy${orgId ? ` for ${orgId}` : ''}\n`);
        for (const r of results) {
          const what = r.to > r.from ? `pruned leaves ${r.from}..${r.to - 1} (${r.deleted} records)` : 'nothing due';
          process.stdout.write(`${r.orgId} ${r.log}: ${what}${r.stopped ? `; stopped at ${r.stopped}` : ''}\n`);
          if (r.stopped) process.exitCode = 1;
        }
      });
    });
}
