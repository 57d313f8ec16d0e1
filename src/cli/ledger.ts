/** `orgledger verify` (local: the stored records against the logs and signed checkpoints) and `orgledger ledger key|checkpoint`. */
import { existsSync, readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { ConfigError, describeStore, ledgerKeyPath } from '../config/config.js';
import { LOG_NAMES } from '../features/ledger/leaf-data.js';
import { noteSigner } from '../features/ledger/note.js';
import { verifyLedger } from '../features/ledger/verify.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';
import { checkExport, proofPathOf } from './export-checkpoint.js';
import { remoteAudit } from './ledger-remote.js';
import { progressBar } from './progress.js';

interface VerifyOptions extends StoreOptions {
  vkey?: string;
  keyFile?: string;
  ledgerOrigin?: string;
  url?: string;
  key?: string;
  state?: string;
  full?: boolean;
  export?: string;
  checkpoint?: string;
}

/** `verify --export FILE --vkey KEY [--checkpoint FILE.ledger.json]`: offline, from the two files only. */
function verifyExport(opts: VerifyOptions & { export: string }): void {
  if (!opts.vkey) throw new ConfigError('verify --export needs --vkey: the verifier key, obtained out of band');
  const proofFile = opts.checkpoint ?? proofPathOf(opts.export);
  if (!existsSync(proofFile)) throw new ConfigError(`no proof file ${proofFile} (export logs --with-checkpoint writes it)`);
  let result: ReturnType<typeof checkExport>;
  try {
    result = checkExport(opts.export, proofFile, opts.vkey);
  } catch (err) {
    process.stdout.write(`${proofFile}: checkpoint: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  for (const p of result.problems) process.stdout.write(`${p}\n`);
  const summary = `${opts.export}: ${result.records} record(s) against ${result.origin} at tree size ${result.treeSize}`;
  process.stdout.write(result.problems.length === 0 ? `${summary}: ok\n` : `${summary}: ${result.problems.length} problem(s)\n`);
  if (result.problems.length > 0) process.exitCode = 1;
}

/** Exit codes of `verify`: 0 all checks passed, 1 a check failed (or the server could not be read), 2 bad usage. */
async function verifyRemote(opts: VerifyOptions & { url: string }): Promise<void> {
  if (!opts.key) throw new ConfigError('verify --url needs --key (or OPENAI_ADMIN_KEY): an admin key with audit_logs.read and usage.read');
  if (!opts.vkey) throw new ConfigError('verify --url needs --vkey: the verifier key, obtained out of band (never trust the server for it)');
  const result = await remoteAudit({ url: opts.url, key: opts.key, vkey: opts.vkey, state: opts.state, full: opts.full });
  for (const line of result.lines) process.stdout.write(`${line}\n`);
  for (const p of result.problems) process.stdout.write(`${p}\n`);
  if (result.problems.length > 0) {
    process.stdout.write(`${opts.url}: ${result.problems.length} problem(s); state file left unchanged\n`);
    process.exitCode = 1;
  } else process.stdout.write(`${opts.url}: ok${opts.state ? ` (state saved to ${opts.state})` : ''}\n`);
}

const storeOptions = (cmd: Command) =>
  cmd
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'a SQLite file path or postgres:// URL [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--key-file <file>', 'the ledger signing key [ORGLEDGER_LEDGER_KEY_FILE] (default <data>/ledger-key.pem)')
    .option('--ledger-origin <origin>', 'the ledger origin, which names the key [ORGLEDGER_LEDGER_ORIGIN]');

function verifierKeyOf(opts: VerifyOptions): string | null {
  if (opts.vkey) return opts.vkey;
  const config = configFrom(opts, { ledgerKeyFile: opts.keyFile, ledgerOrigin: opts.ledgerOrigin });
  const path = ledgerKeyPath(config);
  return existsSync(path) ? noteSigner(config.ledgerOrigin, readFileSync(path, 'utf8')).verifierKey : null;
}

export function registerLedger(program: Command): void {
  storeOptions(
    program
      .command('verify')
      .description(
        "Recompute every organization's ledger logs from the stored records and check them against the logged hashes and every signed checkpoint; exit 1 naming each leaf that differs.",
      ),
  )
    .option('--vkey <verifier key>', 'check checkpoint signatures with this verifier key (default: the key file’s)')
    .option('--url <url>', 'audit a remote server instead of a local store: signatures, consistency with --state, and with --full every leaf')
    .addOption(new Option('--key <key>', 'admin key for --url').env('OPENAI_ADMIN_KEY'))
    .option('--state <file>', 'with --url: the checkpoints this auditor saw last time (read, then rewritten when all checks pass)')
    .option('--full', 'with --url: download every entry bundle and recompute each root')
    .option('--export <file>', 'check an `export logs --with-checkpoint` file offline against its signed checkpoint (needs --vkey)')
    .option('--checkpoint <file>', 'with --export: the proof file (default <export>.ledger.json)')
    .action(async (opts: VerifyOptions) => {
      if (opts.export) return verifyExport({ ...opts, export: opts.export });
      if (opts.url) return verifyRemote({ ...opts, url: opts.url });
      const config = configFrom(opts);
      const vkey = verifierKeyOf(opts);
      if (!vkey) process.stderr.write('warning: no key file and no --vkey: checkpoint signatures are not checked\n');
      const bar = progressBar('verifying');
      const result = await withStore(config, (store) => verifyLedger(store.ledger, vkey, (done, total) => bar.update(done, total)));
      bar.done();
      for (const p of result.problems) {
        const where = [
          `organization ${p.orgId}`,
          `log ${p.log}`,
          p.leafIndex === null ? null : `leaf ${p.leafIndex}`,
          p.recordId ? `record ${p.recordId}` : null,
        ];
        process.stdout.write(`${where.filter(Boolean).join(', ')}: ${p.what}\n`);
      }
      for (const p of result.pruned)
        process.stdout.write(
          `organization ${p.orgId}, log ${p.log}: pruned by retention up to leaf ${p.prunedSize} (recorded ${new Date(p.prunedAt * 1000).toISOString()}; ${p.gone} record(s) gone, their leaf hashes kept)\n`,
        );
      const pruned = result.pruned.reduce((n, p) => n + p.gone, 0);
      const summary = `${describeStore(config)}: ${result.logs} log(s), ${result.leaves} leaves${pruned ? ` (${pruned} pruned by retention)` : ''}, ${result.checkpoints} checkpoint(s) checked`;
      process.stdout.write(result.problems.length === 0 ? `${summary}: ok\n` : `${summary}: ${result.problems.length} problem(s)\n`);
      if (result.problems.length > 0) process.exitCode = 1;
    });

  const ledger = program.command('ledger').description("The tamper-evident ledger's verifier key and checkpoints.");
  storeOptions(ledger.command('key').description('Print the verifier key checkpoints are signed with (golang.org/x/mod/sumdb/note form).')).action(
    (opts: VerifyOptions) => {
      const vkey = verifierKeyOf(opts);
      if (!vkey) throw new Error(`no ledger key file at ${ledgerKeyPath(configFrom(opts, { ledgerKeyFile: opts.keyFile }))} (serve creates it on first start)`);
      process.stdout.write(`${vkey}\n`);
    },
  );
  storeOptions(ledger.command('checkpoint').description("Print the latest signed checkpoint of an organization's logs."))
    .option('--org <id or name>', 'the organization (default org-default)')
    .option('--log <log>', 'audit or usage (default both)')
    .action(async (opts: VerifyOptions & { org?: string; log?: string }) => {
      const config = configFrom(opts);
      await withStore(config, async (store) => {
        const orgId = await resolveOrg(store, opts.org);
        for (const log of LOG_NAMES.filter((l) => !opts.log || l === opts.log)) {
          const cp = await store.ledger.ledgerCheckpoint(orgId, log);
          process.stdout.write(cp ? cp.note : `${log}: no checkpoint signed yet\n`);
        }
      });
    });
}
