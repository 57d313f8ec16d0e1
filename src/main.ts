/** The orgledger command line: a thin shell over the services. */
import { Command, CommanderError } from 'commander';
import { registerCopy } from './cli/copy.js';
import { registerDemo } from './cli/demo.js';
import { registerExport } from './cli/export.js';
import { registerImport } from './cli/import.js';
import { registerLogs } from './cli/logs.js';
import { registerMigrate } from './cli/migrate.js';
import { registerOrgsAndKeys } from './cli/orgs-keys.js';
import { registerServe } from './cli/serve.js';
import { registerUsageAndCosts } from './cli/usage-costs.js';
import { ConfigError } from './config/config.js';
import { ApiError } from './http/errors.js';
import { VERSION } from './version.js';

export function buildProgram(): Command {
  const program = new Command('orgledger')
    .description("A self-hosted ledger of an organization's audit logs, usage and costs, served as the OpenAI Admin API.")
    .version(VERSION)
    .option('--verbose', 'print stack traces of errors')
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
  registerOrgsAndKeys(program);
  registerDemo(program);
  registerLogs(program);
  registerUsageAndCosts(program);
  registerExport(program);
  registerImport(program);
  registerCopy(program);
  return program;
}

/** Exit codes: 0 ok, 1 error, 2 usage or configuration. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    const verbose = argv.includes('--verbose');
    if (err instanceof ConfigError) {
      process.stderr.write(`orgledger: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    const message = err instanceof ApiError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`orgledger: ${message}\n`);
    if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  }
}
