import { writeFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/config.js';
import { eventTypes } from '../features/audit-logs/event-types.js';
import { ALL_DIMENSIONS, ALL_MEASURES, USAGE_KIND_NAMES, type UsageKindName, usageKind } from '../features/usage/kinds.js';
import { type AuditQuery, type AuditReader, allBuckets, auditEvents, openSource, type SourceOptions, sourceOptions } from './api-source.js';
import { assertLocalProvenance, withAuditProvenance } from './audit-provenance.js';
import { exportProof, proofPathOf } from './export-checkpoint.js';
import { openRawSource, PROVENANCE_FIELDS, type RawWhat, rawRecords } from './export-records.js';
import { type CostRow, FOCUS_COLUMNS, focusRow } from './focus.js';
import { type AuditFilterOptions, auditFilterOptions, auditQueryFrom } from './logs.js';
import { isoTime } from './output.js';
import { progressBar } from './progress.js';
import { csvLine, LineSink } from './sink.js';
import { collect } from './time-args.js';
import { type BucketFilterOptions, bucketFilterOptions, bucketQueryFrom, flatRows } from './usage-costs.js';

type Format = 'jsonl' | 'csv' | 'focus';

interface ExportOptions extends SourceOptions, AuditFilterOptions, BucketFilterOptions {
  format: Format;
  output?: string;
  kind?: string[];
  width?: '1m' | '1h' | '1d';
  withCheckpoint?: boolean;
  provenance?: boolean;
}

const LOG_COLUMNS = [
  'id',
  'type',
  'effective_at',
  'effective_at_iso',
  'actor_type',
  'actor_user_id',
  'actor_email',
  'actor_api_key_id',
  'actor_service_account_id',
  'ip_address',
  'project_id',
  'project_name',
  'resource_id',
  'details',
];

interface WireActor {
  type?: string;
  session?: { user?: { id?: string; email?: string }; ip_address?: string };
  api_key?: { id?: string; user?: { id?: string; email?: string }; service_account?: { id?: string } };
}

function logCsvRow(e: Record<string, unknown>): unknown[] {
  const a = (e.actor ?? {}) as WireActor;
  const user = a.session?.user ?? a.api_key?.user ?? {};
  const details = e[e.type as string] as { id?: unknown } | undefined;
  const project = e.project as { id?: string; name?: string } | undefined;
  return [
    e.id,
    e.type,
    e.effective_at,
    isoTime(e.effective_at as number),
    a.type ?? null,
    user.id ?? null,
    user.email ?? null,
    a.api_key?.id ?? null,
    a.api_key?.service_account?.id ?? null,
    a.session?.ip_address ?? null,
    project?.id ?? null,
    project?.name ?? null,
    typeof details?.id === 'string' ? details.id : null,
    details === undefined ? null : JSON.stringify(details),
  ];
}

/**
 * The API lists tenant-scoped events only with tenant_only=true and never with the default, so a full
 * export reads both lists and merges them newest first (at equal times, organization events first).
 * `--tenant` keeps only the tenant list, `--no-tenant` only the organization list; `--type` values go
 * to the list their scope belongs to.
 */
async function* everyEvent(reader: AuditReader, opts: ExportOptions): AsyncGenerator<Record<string, unknown>> {
  const query = auditQueryFrom({ ...opts, tenant: undefined });
  const scoped = (t: string) => eventTypes().get(t)?.tenantScoped === true;
  const lists: AuditQuery[] = [];
  const org = query.event_types?.filter((t) => !scoped(t));
  const tenant = query.event_types?.filter(scoped);
  if (opts.tenant !== true && (!org || org.length > 0)) lists.push({ ...query, ...(org ? { event_types: org } : {}) });
  if (opts.tenant !== false && (!tenant || tenant.length > 0)) lists.push({ ...query, ...(tenant ? { event_types: tenant } : {}), tenant_only: true });
  if (lists.length === 0)
    throw new ConfigError(
      opts.tenant
        ? '--tenant exports only tenant-scoped events, and no --type given is one'
        : '--no-tenant leaves out tenant-scoped events, and every --type given is one',
    );
  const streams = lists.map((q) => auditEvents(reader, q));
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    let pick = -1;
    heads.forEach((h, i) => {
      if (h.done) return;
      const best = heads[pick];
      if (pick < 0 || (best && !best.done && (h.value.effective_at as number) > (best.value.effective_at as number))) pick = i;
    });
    if (pick < 0) return;
    const head = heads[pick] as IteratorYieldResult<Record<string, unknown>>;
    yield head.value;
    heads[pick] = await (streams[pick] as AsyncGenerator<Record<string, unknown>>).next();
  }
}

async function exportLogs(opts: ExportOptions): Promise<number> {
  if (opts.format === 'focus') throw new InvalidArgumentError('--format focus is for costs');
  if (opts.withCheckpoint && (opts.format !== 'jsonl' || !opts.output || opts.output === '-'))
    throw new InvalidArgumentError('--with-checkpoint needs --format jsonl and -o FILE (the proof is written to FILE.ledger.json)');
  if (opts.withCheckpoint && opts.provenance)
    throw new InvalidArgumentError('--with-checkpoint proves each line is the logged event, unaltered; --provenance adds fields to it: use one or the other');
  const source = openSource(opts);
  try {
    if (opts.provenance) assertLocalProvenance(source);
  } catch (err) {
    await source.close();
    throw err;
  }
  const sink = new LineSink(opts.output);
  const bar = progressBar('export logs');
  const ids: string[] = [];
  let count = 0;
  try {
    if (opts.format === 'csv') await sink.write(csvLine(opts.provenance ? [...LOG_COLUMNS, ...PROVENANCE_FIELDS] : LOG_COLUMNS));
    const events = opts.provenance ? withAuditProvenance(source, everyEvent(source.audit, opts)) : everyEvent(source.audit, opts);
    for await (const e of events) {
      const row = opts.format === 'csv' ? [...logCsvRow(e), ...(opts.provenance ? PROVENANCE_FIELDS.map((f) => e[f]) : [])] : null;
      await sink.write(row ? csvLine(row) : JSON.stringify(e));
      if (opts.withCheckpoint) ids.push(String(e.id));
      count++;
      if (count % 1000 === 0) bar.update(count, null, 'events');
    }
    if (opts.withCheckpoint && opts.output) {
      // No filter at all: the export claims every leaf, so verify --export also catches a gap.
      const complete = Object.keys(auditQueryFrom({ ...opts, tenant: undefined })).length === 0 && opts.tenant === undefined;
      const proof = await exportProof(source, ids, complete);
      writeFileSync(proofPathOf(opts.output), `${JSON.stringify(proof)}\n`);
    }
  } finally {
    bar.done();
    await sink.end();
    await source.close();
  }
  return count;
}

async function exportBuckets(what: 'usage' | 'costs', opts: ExportOptions): Promise<number> {
  if (opts.format === 'focus' && what !== 'costs') throw new InvalidArgumentError('--format focus is for costs');
  const kinds: (UsageKindName | 'costs')[] = what === 'costs' ? ['costs'] : ((opts.kind as UsageKindName[] | undefined) ?? [...USAGE_KIND_NAMES]);
  for (const k of kinds) if (k !== 'costs' && !(USAGE_KIND_NAMES as readonly string[]).includes(k)) throw new InvalidArgumentError(`unknown usage kind '${k}'`);
  const source = openSource(opts);
  const sink = new LineSink(opts.output);
  const bar = progressBar(`export ${what}`);
  const columns =
    what === 'costs'
      ? ['start_time', 'end_time', 'line_item', 'project_id', 'api_key_id', 'amount', 'currency', 'quantity', 'quantity_unit']
      : ['start_time', 'end_time', 'kind', ...ALL_DIMENSIONS, ...ALL_MEASURES];
  let count = 0;
  try {
    if (opts.format === 'csv') await sink.write(csvLine(columns));
    if (opts.format === 'focus') await sink.write(csvLine([...FOCUS_COLUMNS]));
    for (const [i, kind] of kinds.entries()) {
      const query = bucketQueryFrom(opts, kind, '30d');
      if (kind === 'costs' && !opts.groupBy) query.group_by = ['project_id', 'api_key_id', 'line_item'];
      if (kind !== 'costs' && !opts.groupBy) query.group_by = usageKind(kind).groupBy;
      // Daily buckets from midnight UTC, so rows are calendar days.
      if (kind === 'costs' || (opts.width ?? '1d') === '1d') query.start_time = Math.floor((query.start_time as number) / 86400) * 86400;
      if (kind !== 'costs') query.limit = opts.width === '1m' ? 1440 : opts.width === '1h' ? 168 : 31;
      else query.limit = 180;
      const start = query.start_time as number;
      const end = (query.end_time as number | undefined) ?? Math.floor(Date.now() / 1000);
      for await (const bucket of allBuckets(source.buckets, kind, query)) {
        for (const row of flatRows(bucket)) {
          if (kind !== 'costs') row.kind = kind;
          if (opts.format === 'jsonl') await sink.write(JSON.stringify(row));
          else if (opts.format === 'focus') await sink.write(csvLine(focusRow(row as unknown as CostRow)));
          else await sink.write(csvLine(columns.map((c) => row[c])));
          count++;
        }
        bar.update(i * (end - start) + (bucket.end_time - start), kinds.length * (end - start), `${kind} ${count.toLocaleString('en-US')} rows`);
      }
    }
  } finally {
    bar.done();
    await sink.end();
    await source.close();
  }
  return count;
}

/** Raw usage records or cost entries of a local store, with their provenance when asked (export-records.ts). */
async function exportRaw(what: RawWhat, opts: ExportOptions): Promise<number> {
  if (opts.format === 'focus') throw new InvalidArgumentError(`--format focus is for costs, not ${what}`);
  const kinds = opts.kind;
  for (const k of kinds ?? []) if (!(USAGE_KIND_NAMES as readonly string[]).includes(k)) throw new InvalidArgumentError(`unknown usage kind '${k}'`);
  const { endpoint, orgId } = await openRawSource(opts);
  const sink = new LineSink(opts.output);
  const columns: string[] =
    what === 'usage-records'
      ? ['kind', 'created_at', 'id', ...ALL_DIMENSIONS, ...ALL_MEASURES, 'price_id', 'content_hash', 'provider']
      : ['id', 'created_at', 'project_id', 'api_key_id', 'line_item', 'amount_nano', 'currency', 'quantity', 'quantity_unit', 'content_hash'];
  if (opts.provenance) columns.push(...PROVENANCE_FIELDS);
  let count = 0;
  try {
    if (opts.format === 'csv') await sink.write(csvLine(columns));
    for await (const rec of rawRecords(endpoint, what, orgId, {
      ...(kinds ? { kinds } : {}),
      since: opts.since,
      until: opts.until,
      provenance: opts.provenance,
    })) {
      await sink.write(opts.format === 'csv' ? csvLine(columns.map((c) => rec[c])) : JSON.stringify(rec));
      count++;
    }
  } finally {
    await sink.end();
    await endpoint.close();
  }
  return count;
}

function format(value: string): Format {
  if (value !== 'jsonl' && value !== 'csv' && value !== 'focus') throw new InvalidArgumentError('must be jsonl, csv or focus');
  return value;
}

function width(value: string): '1m' | '1h' | '1d' {
  if (value !== '1m' && value !== '1h' && value !== '1d') throw new InvalidArgumentError('must be 1m, 1h or 1d');
  return value;
}

export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .description('Stream audit logs, usage or costs to a file (or stdout) as JSONL or CSV; costs also as FinOps FOCUS 1.2 CSV.')
    .argument('<what>', 'logs, usage or costs; usage-records or cost-entries (raw, local store)');
  bucketFilterOptions(auditFilterOptions(sourceOptions(cmd)), '30d', false)
    .requiredOption('--format <format>', 'jsonl, csv, or focus (costs only)', format, 'jsonl')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--kind <kind>', 'usage kinds to export (repeatable; default all)', collect)
    .option('--width <width>', 'usage bucket width: 1m, 1h or 1d (default 1d)', width)
    .option('--with-checkpoint', "logs: also write FILE.ledger.json: the signed audit checkpoint and each event's inclusion proof (check with verify --export)")
    .option('--no-tenant', 'logs: leave out tenant-scoped events (by default every event is exported)')
    .option('--provenance', 'logs (local store), usage-records, cost-entries: add ingested_by (admin key id), request_id and ingested_at of each record')
    .addHelpText(
      'after',
      `
Logs are written newest first, exactly as the API returns them (import accepts that order). Every
event is exported, tenant-scoped ones included (the API lists those only with tenant_only=true, so
export reads both lists); --tenant exports only tenant-scoped events, --no-tenant leaves them out.
Usage and costs default to the last 30 days; costs are grouped by project, API key and line item.

Examples:
  orgledger export logs -o audit.jsonl
  orgledger export logs --format csv --since 30d --type login.failed -o failed-logins.csv
  orgledger export usage --format csv --kind completions --width 1h --since 7d -o usage.csv
  orgledger export costs --format focus --since 2026-06-01 --until 2026-07-01 -o focus-june.csv
  orgledger export logs --url https://api.openai.com --key sk-admin-... -o openai-audit.jsonl
  orgledger export usage-records --kind completions --since 1d --provenance --format csv -o who-ingested.csv
  orgledger export cost-entries --provenance
  orgledger export logs --provenance --format csv -o who-ingested-events.csv

usage-records and cost-entries read the raw records of a local store (--data or --database-url; not
--url: the API serves aggregates only); --provenance adds which admin key ingested each record, the
request id (x-request-id) and when, for records ingested since migration 5 (null for older records
and for what orgledger recorded itself, e.g. sync). export logs --provenance adds the same three
fields to each event of a local store (ingested_by and request_id null for events orgledger recorded
itself: admin key changes, sync, import); such lines are for reading: import refuses the extra
members, and --with-checkpoint cannot prove altered lines.`,
    )
    .action(async (what: string, opts: ExportOptions) => {
      if (what === 'usage-records' || what === 'cost-entries') {
        const count = await exportRaw(what, opts);
        if (opts.output && opts.output !== '-') process.stderr.write(`exported ${count.toLocaleString('en-US')} ${what.replace('-', ' ')} to ${opts.output}\n`);
        return;
      }
      if (opts.provenance && what !== 'logs')
        throw new InvalidArgumentError(
          '--provenance is for logs, usage-records and cost-entries (usage and cost buckets are aggregates: no one ingested them)',
        );
      if (what !== 'logs' && what !== 'usage' && what !== 'costs')
        throw new InvalidArgumentError(`export logs, usage, costs, usage-records or cost-entries (not '${what}')`);
      const count = what === 'logs' ? await exportLogs(opts) : await exportBuckets(what, opts);
      if (opts.output && opts.output !== '-')
        process.stderr.write(`exported ${count.toLocaleString('en-US')} ${what === 'logs' ? 'events' : 'rows'} to ${opts.output}\n`);
    });
}
