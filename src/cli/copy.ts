/**
 * `orgledger copy --from STORE --to STORE`: moves a whole store between engines (or files, or
 * databases), resumably, and checks the result (src/store/copy.ts does the work).
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../config/config.js';
import { type CheckRow, type CopyEndpoint, type CopyEntity, checkCopy, copyStore, ForeignDataError } from '../store/copy.js';
import { PgCopyEndpoint } from '../store/postgres/copy.js';
import { SqliteCopyEndpoint } from '../store/sqlite/copy.js';
import { configFrom } from './context.js';
import { printJson, table } from './output.js';
import { type Progress, progressBar } from './progress.js';
import { positiveInt } from './time-args.js';

type Location = { engine: 'postgres'; url: string } | { engine: 'sqlite'; path: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;
const SQLITE_FILE = /\.(sqlite3?|db)$/i;
/** Tests only: kill the process (as a crash would) after this many committed pages. Not a documented setting. */
const CRASH_AFTER_PAGES_ENV = 'ORGLEDGER_TEST_COPY_CRASH_AFTER_PAGES';

/**
 * A postgres:// URL, or a SQLite store: its data directory (as --data takes it) or the file itself.
 * A destination that does not exist yet is a file when it ends in .sqlite/.sqlite3/.db, else a directory.
 */
export function parseLocation(flag: '--from' | '--to', value: string): Location {
  if (value.trim() === '') throw new ConfigError(`${flag} must name a store (a data directory, a .sqlite file or a postgres:// URL)`);
  if (POSTGRES_URL.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(`${flag} is not a valid PostgreSQL URL (expected postgres://user:password@host:5432/database)`);
    }
    if (!url.hostname) throw new ConfigError(`${flag} must name a host (expected postgres://user:password@host:5432/database)`);
    return { engine: 'postgres', url: value };
  }
  const path = value.replace(/^sqlite:(\/\/)?/i, '');
  if (existsSync(path) && statSync(path).isDirectory()) return { engine: 'sqlite', path: join(path, 'orgledger.sqlite') };
  if (existsSync(path) || SQLITE_FILE.test(path)) return { engine: 'sqlite', path };
  if (flag === '--from') throw new ConfigError(`--from: there is no orgledger store at ${path}`);
  return { engine: 'sqlite', path: join(path, 'orgledger.sqlite') };
}

function sameStore(a: Location, b: Location): boolean {
  if (a.engine === 'sqlite' && b.engine === 'sqlite') return resolve(a.path) === resolve(b.path);
  if (a.engine === 'postgres' && b.engine === 'postgres') {
    const [x, y] = [new URL(a.url), new URL(b.url)];
    x.password = '';
    y.password = '';
    return x.toString() === y.toString();
  }
  return false;
}

const log = (line: string) => process.stderr.write(`orgledger: ${line}\n`);

async function open(flag: '--from' | '--to', at: Location, connectWaitSeconds: number): Promise<CopyEndpoint> {
  if (at.engine === 'sqlite') {
    if (flag === '--to') {
      mkdirSync(dirname(at.path), { recursive: true });
      return SqliteCopyEndpoint.openDestination(at.path);
    }
    const source = SqliteCopyEndpoint.openSource(at.path);
    if (typeof source === 'string') throw new ConfigError(`--from: ${source}`);
    return source;
  }
  const options = { url: at.url, connectWaitSeconds, log };
  if (flag === '--to') return PgCopyEndpoint.openDestination(options);
  const source = await PgCopyEndpoint.openSource(options);
  if (typeof source === 'string') throw new ConfigError(`--from: ${source}`);
  return source;
}

const n = (v: number) => v.toLocaleString('en-US');

/** One progress bar per table on a terminal, and one line per table on stderr either way. */
function progressEvents(crashAfterPages: number | undefined) {
  let bar: Progress | undefined;
  let started = 0;
  return {
    start(e: CopyEntity, done: number, total: number) {
      bar = progressBar(`copy ${e.table.padEnd(18)}`);
      started = done;
      bar.update(done, total, `${n(done)} of ${n(total)} rows`);
    },
    progress(_e: CopyEntity, done: number, total: number) {
      bar?.update(done, total, `${n(done)} of ${n(total)} rows`);
    },
    end(e: CopyEntity, copied: number) {
      bar?.done(`${e.table}: ${n(copied)} rows copied${started > 0 ? ` (${n(started)} were already there)` : ''}`);
    },
    note: log,
    afterPage(pages: number) {
      if (crashAfterPages !== undefined && pages >= crashAfterPages) process.kill(process.pid, 'SIGKILL');
    },
  };
}

function describeDifference(rows: CheckRow[]): string {
  const bad = rows.filter((r) => !r.ok);
  const parts = bad.slice(0, 3).map((r) => {
    const what =
      r.source.rows === r.destination.rows
        ? `the same ${n(r.source.rows)} rows but different values`
        : `${n(r.source.rows)} rows in the source, ${n(r.destination.rows)} in the destination`;
    return `${r.table} of ${r.org}: ${what}`;
  });
  const more = bad.length > 3 ? `, and ${bad.length - 3} more` : '';
  return `the destination differs from the source: ${parts.join('; ')}${more}. Was the source written to during the copy? Stop its writers and run the same command again`;
}

interface CopyOptions {
  from: string;
  to: string;
  batchSize: number;
  json?: boolean;
}

export function registerCopy(program: Command): void {
  program
    .command('copy')
    .description('Copy a whole store into another (SQLite <-> PostgreSQL, or within one engine), resumably, and check the result.')
    .requiredOption('--from <store>', 'the store to read: a data directory, a .sqlite file, or a postgres:// URL (must exist)')
    .requiredOption('--to <store>', 'the store to write: a data directory, a .sqlite file, or a postgres:// URL (created and migrated when needed)')
    .option('--batch-size <rows>', 'rows per destination transaction', positiveInt(100_000), 5000)
    .option('--json', 'print the check as JSON')
    .addHelpText(
      'after',
      `
Copies every organization, admin key (hashes, scopes, revoked and last-used times), audit event (ids,
sequence numbers, content hashes), usage record, usage and cost rollup, cost entry and unpriced-usage
note, row for row. Stop the source's writers first (orgledger serve and anything ingesting): the copy
does not lock the source, and writes made during it may be missed (the check at the end then fails).
Do not start orgledger on the destination before the copy has succeeded.

An interrupted copy (Ctrl-C, kill, crash) continues where it stopped when run again with the same
arguments; nothing is copied twice. The destination must be empty or hold an earlier copy of this
source: a store with other data (for example one where orgledger serve created org-default) is
refused. At the end the rows (and sums of counters, rollups and amounts) of every table and
organization are compared; the exit code is 0 when all are equal, 1 otherwise, 2 for bad arguments.

Examples:
  orgledger copy --from ./data --to postgres://orgledger:PASSWORD@db.internal:5432/orgledger
  orgledger copy --from postgres://orgledger@db.internal/orgledger --to ./data-copy/orgledger.sqlite
  orgledger copy --from ./data --to ./data-new --json`,
    )
    .action(async (opts: CopyOptions) => {
      const [fromAt, toAt] = [parseLocation('--from', opts.from), parseLocation('--to', opts.to)];
      if (sameStore(fromAt, toAt)) throw new ConfigError('--from and --to name the same store');
      const config = configFrom({});
      const crashEnv = process.env[CRASH_AFTER_PAGES_ENV];
      const from = await open('--from', fromAt, config.pgConnectWaitSeconds);
      let to: CopyEndpoint | undefined;
      try {
        to = await open('--to', toAt, config.pgConnectWaitSeconds);
        const started = Date.now();
        let report: Awaited<ReturnType<typeof copyStore>>;
        try {
          report = await copyStore(from, to, { batchSize: opts.batchSize, events: progressEvents(crashEnv ? Number(crashEnv) : undefined) });
        } catch (err) {
          if (err instanceof ForeignDataError)
            throw new Error(`${to.where} already holds data that did not come from ${from.where} (${err.message}); copy into an empty store`);
          throw err;
        }
        const seconds = (Date.now() - started) / 1000;
        const copied = Object.values(report.copied).reduce((a, b) => a + b, 0);
        log(`copied ${n(copied)} rows in ${seconds.toFixed(1)} s (${n(Math.round(copied / Math.max(seconds, 0.001)))} rows/s); checking`);
        const check = await checkCopy(from, to);
        const ok = check.every((r) => r.ok);
        if (opts.json)
          printJson({
            from: from.where,
            to: to.where,
            copied: report.copied,
            seconds,
            ok,
            check: check.map((r) => ({ table: r.table, organization: r.org, source: r.source, destination: r.destination, ok: r.ok })),
          });
        else {
          const rows = check.map((r) => ({
            table: r.table,
            organization: r.org,
            source: n(r.source.rows),
            destination: n(r.destination.rows),
            check: r.ok ? 'ok' : 'DIFFERS',
          }));
          process.stdout.write(`${table(rows, ['table', 'organization', 'source', 'destination', 'check'])}\n`);
        }
        if (!ok) throw new Error(describeDifference(check));
      } finally {
        await to?.close();
        await from.close();
      }
    });
}
