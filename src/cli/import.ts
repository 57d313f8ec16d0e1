import type { Command } from 'commander';
import { AuditLogService, MAX_EVENTS_PER_BATCH } from '../features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../features/keys/service.js';
import { systemClock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { Store } from '../store/store.js';
import { configFrom, type StoreOptions, withStore } from './context.js';
import { backwardLines, edgeTimes, forwardLines, type NumberedLine } from './line-reader.js';
import { printJson } from './output.js';
import { progressBar } from './progress.js';

export interface Rejection {
  line: number;
  message: string;
  param: string | null;
}

export interface ImportReport {
  read: number;
  imported: number;
  alreadyPresent: number;
  rejected: Rejection[];
}

interface Pending {
  line: number;
  event: unknown;
}

/** The message and param of a failed event, pointing at the event itself instead of data[0]. */
function rejection(line: number, err: unknown): Rejection {
  if (err instanceof ApiError) {
    const fix = (s: string) => s.replaceAll('data[0]', 'event');
    return { line, message: fix(err.message), param: err.param ? fix(err.param) : null };
  }
  throw err;
}

/**
 * Imports audit events in batches of 1000 through AuditLogService.ingest (the API's validation). A
 * batch the service refuses is retried event by event, so one bad line costs only itself. Events
 * keep their ids: a re-run acknowledges what is already there and stores nothing twice.
 */
export async function importAuditLog(
  store: Store,
  orgId: string,
  lines: AsyncIterable<NumberedLine>,
  onBatch?: (r: ImportReport) => void,
): Promise<ImportReport> {
  const service = new AuditLogService(store, systemClock);
  const report: ImportReport = { read: 0, imported: 0, alreadyPresent: 0, rejected: [] };
  const flush = async (batch: Pending[]) => {
    if (batch.length === 0) return;
    const present = await countPresent(store, orgId, batch);
    try {
      await service.ingest(
        orgId,
        batch.map((p) => p.event),
      );
      report.imported += batch.length - present;
      report.alreadyPresent += present;
    } catch (err) {
      if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 409)) throw err;
      for (const p of batch) {
        const wasThere = (await countPresent(store, orgId, [p])) === 1;
        try {
          await service.ingest(orgId, [p.event]);
          if (wasThere) report.alreadyPresent++;
          else report.imported++;
        } catch (e) {
          report.rejected.push(rejection(p.line, e));
        }
      }
    }
    onBatch?.(report);
  };
  let batch: Pending[] = [];
  for await (const { line, text } of lines) {
    report.read++;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch (err) {
      report.rejected.push({ line, message: `not valid JSON: ${(err as Error).message}`, param: null });
      continue;
    }
    batch.push({ line, event });
    if (batch.length >= MAX_EVENTS_PER_BATCH) {
      await flush(batch);
      batch = [];
    }
  }
  await flush(batch);
  return report;
}

async function countPresent(store: Store, orgId: string, batch: Pending[]): Promise<number> {
  let n = 0;
  for (const p of batch) {
    const id = (p.event as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && (await store.audit.findAuditPosition(orgId, id))) n++;
  }
  return n;
}

interface ImportOptions extends StoreOptions {
  org: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('Import audit logs from a JSONL file (one event per line, as `export logs` writes them) into a local store.')
    .argument('<what>', 'logs')
    .argument('<file>', 'the JSONL file, or - for stdin')
    .option('--org <id>', 'organization to import into', DEFAULT_ORG_ID)
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the store to import into [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Every event passes the same validation as POST /v1/organization/audit_logs. Events keep their ids, so
an interrupted import can simply be run again: what is already stored is counted, not duplicated.
Rejected lines are listed with their line number, the reason and the offending parameter; the exit
code is 1 when any line was rejected. A newest-first file (as exported) is read from its end, so
events keep their order.

Examples:
  orgledger import logs audit.jsonl
  orgledger export logs --url https://api.openai.com --key sk-admin-... -o openai.jsonl && orgledger import logs openai.jsonl --org org-abc
  cat events.jsonl | orgledger import logs - --json`,
    )
    .action(async (what: string, file: string, opts: ImportOptions) => {
      if (what !== 'logs') throw new Error(`only audit logs can be imported (import logs <file>), not '${what}'`);
      const config = configFrom(opts);
      const report = await withStore(config, async (store, keys) => {
        if (opts.org === DEFAULT_ORG_ID) await keys.ensureOrganization(DEFAULT_ORG_ID, 'Default organization');
        else if (!(await store.keys.getOrganization(opts.org)))
          throw new Error(`no organization '${opts.org}' in the store (create it with \`orgledger orgs create\`)`);
        let newestFirst = false;
        if (file !== '-') {
          const { first, last } = await edgeTimes(file);
          newestFirst = first !== null && last !== null && first > last;
        }
        const bar = progressBar('import logs');
        try {
          return await importAuditLog(store, opts.org, newestFirst ? backwardLines(file) : forwardLines(file), (r) =>
            bar.update(r.read, null, `events, ${r.rejected.length} rejected`),
          );
        } finally {
          bar.done();
        }
      });
      report.rejected.sort((a, b) => a.line - b.line);
      if (opts.json) printJson({ read: report.read, imported: report.imported, already_present: report.alreadyPresent, rejected: report.rejected });
      else {
        for (const r of report.rejected) process.stderr.write(`line ${r.line}: ${r.message}${r.param ? ` (param: ${r.param})` : ''}\n`);
        process.stdout.write(
          `imported ${report.imported.toLocaleString('en-US')} new events, ${report.alreadyPresent.toLocaleString('en-US')} already present, ${report.rejected.length.toLocaleString('en-US')} rejected (of ${report.read.toLocaleString('en-US')} lines)\n`,
        );
        if (report.read > 0 && report.alreadyPresent === report.read)
          process.stdout.write('a replay: every event was already in the store, nothing added or rejected\n');
      }
      if (report.rejected.length > 0) process.exitCode = 1;
    });
}
