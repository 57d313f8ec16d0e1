/** The orgledger command line: a thin shell over the services. */
import { Command, CommanderError } from 'commander';
import { RemoteError } from './cli/api-source.js';
import { registerCopy } from './cli/copy.js';
import { registerDemo } from './cli/demo.js';
import { registerExport } from './cli/export.js';
import { registerImport } from './cli/import.js';
import { registerLedger } from './cli/ledger.js';
import { registerLogs } from './cli/logs.js';
import { registerMigrate } from './cli/migrate.js';
import { registerOrgsAndKeys } from './cli/orgs-keys.js';
import { registerRetention } from './cli/retention.js';
import { registerServe } from './cli/serve.js';
import { quietOnBrokenPipe } from './cli/sink.js';
import { registerStreams } from './cli/streams.js';
import { registerSync } from './cli/sync.js';
import { registerUsageAndCosts } from './cli/usage-costs.js';
import { ConfigError } from './config/config.js';
import { ApiError } from './lib/errors.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('orgledger')
    .description("A self-hosted ledger of an organization's audit logs, usage and costs, served as the OpenAI Admin API.")
    .version(VERSION)
    .option('--verbose', 'print stack traces of errors')
    .exitOverride()
    // main() prints every error (commander's own and those thrown by actions) the same way.
    .configureOutput({ outputError: () => {} });
  registerServe(program);
  registerMigrate(program);
  registerOrgsAndKeys(program);
  registerDemo(program);
  registerLogs(program);
  registerUsageAndCosts(program);
  registerExport(program);
  registerImport(program);
  registerCopy(program);
  registerLedger(program);
  registerRetention(program);
  registerStreams(program);
  registerSync(program);
  return program;
}

/** Commander's non-errors (help, version) and errors it has already explained (help shown on stderr). */
const SILENT_CODES = new Set(['commander.help', 'commander.helpDisplayed', 'commander.version', 'commander.executeSubCommandAsync']);

/** `orgledger export usage` for the arguments `export usage --kind foo`: the deepest command named. */
function commandPath(program: Command, args: string[]): string {
  const names = [program.name()];
  let cmd = program;
  for (const arg of args) {
    if (arg.startsWith('-')) continue;
    const sub = cmd.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (!sub) break;
    names.push(sub.name());
    cmd = sub;
  }
  return names.join(' ');
}

/** Exit codes: 0 ok, 1 error, 2 usage or configuration. */
export async function main(argv: string[]): Promise<void> {
  quietOnBrokenPipe();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      if (SILENT_CODES.has(err.code)) return;
      const message = err.message.replace(/^error: /, '');
      process.stderr.write(`orgledger: ${message}; run '${commandPath(program, argv.slice(2))} --help'\n`);
      return;
    }
    const verbose = argv.includes('--verbose');
    if (err instanceof ConfigError) {
      process.stderr.write(`orgledger: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message = err instanceof ApiError ? `${err.message}${err.param ? ` (param: ${err.param})` : ''}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`orgledger: ${message}\n`);
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    // A 400, from the local validation or from a server, is a usage error like a bad flag.
    const status = err instanceof ApiError || err instanceof RemoteError ? err.status : 0;
    process.exitCode = status === 400 ? 2 : 1;
  }
}
