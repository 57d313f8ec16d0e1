import { type Command, InvalidArgumentError } from 'commander';
import { USAGE_KIND_NAMES, type UsageKindName, usageKind } from '../features/usage/kinds.js';
import { allBuckets, openSource, type Source, type SourceOptions, sourceOptions } from './api-source.js';
import { checkRange } from './logs.js';
import { isoTime, table } from './output.js';
import { quietOnBrokenPipe } from './sink.js';
import { collect, timeArg } from './time-args.js';
import { unpricedNotesOf } from './unpriced.js';

export interface BucketFilterOptions {
  since?: number;
  until?: number;
  width?: '1m' | '1h' | '1d';
  groupBy?: string[];
  project?: string[];
  user?: string[];
  apiKey?: string[];
  model?: string[];
  provider?: string[];
}

function width(value: string): '1m' | '1h' | '1d' {
  if (value !== '1m' && value !== '1h' && value !== '1d') throw new InvalidArgumentError('must be 1m, 1h or 1d');
  return value;
}

/** The flags of usage, costs and their exports: the API's query parameters. */
export function bucketFilterOptions(cmd: Command, defaultSince = '7d', shared = true, usageFilters = true): Command {
  if (shared)
    cmd
      .option('--since <when>', `start: a duration back from now (7d, 12h) or an ISO date (default ${defaultSince})`, timeArg)
      .option('--until <when>', 'end (exclusive): a duration back from now or an ISO date (default now)', timeArg)
      .option('--project <id>', 'project id (repeatable): project_ids[]', collect);
  cmd.option('--group-by <dim>', 'group results by a dimension (repeatable): group_by[]', collect);
  if (usageFilters) cmd.option('--user <id>', 'user id (repeatable, usage kinds that have it): user_ids[]', collect);
  cmd.option('--api-key <id>', 'API key id (repeatable): api_key_ids[]', collect);
  if (usageFilters) cmd.option('--model <name>', 'model (repeatable, usage kinds that have it): models[]', collect);
  if (usageFilters)
    cmd.option('--provider <name>', 'provider, e.g. openai, anthropic (repeatable; orgledger extension, reads raw records): providers[]', collect);
  return cmd;
}

export function bucketQueryFrom(o: BucketFilterOptions, what: UsageKindName | 'costs', defaultSince = '7d'): Record<string, unknown> {
  const q: Record<string, unknown> = { start_time: o.since ?? timeArg(defaultSince) };
  checkRange(q.start_time as number, o.until);
  if (o.until !== undefined) q.end_time = o.until;
  if (what !== 'costs' && o.width) q.bucket_width = o.width;
  if (o.groupBy) q.group_by = o.groupBy;
  if (o.project) q.project_ids = o.project;
  if (o.apiKey) q.api_key_ids = o.apiKey;
  if (what !== 'costs') {
    const params = usageKind(what).filters.map((f) => f.param);
    if (o.user) {
      if (!params.includes('user_ids')) throw new InvalidArgumentError(`${what} usage has no user_ids filter`);
      q.user_ids = o.user;
    }
    if (o.model) {
      if (!params.includes('models')) throw new InvalidArgumentError(`${what} usage has no models filter`);
      q.models = o.model;
    }
    if (o.provider) q.providers = o.provider;
  }
  return q;
}

/** One flat row per (bucket, result): the bucket's times and the result's members, amount flattened. */
export function flatRows(bucket: { start_time: number; end_time: number; results: Record<string, unknown>[] }): Record<string, unknown>[] {
  return bucket.results.map((r) => {
    const row: Record<string, unknown> = { start_time: bucket.start_time, end_time: bucket.end_time };
    for (const [k, v] of Object.entries(r)) {
      if (k === 'object') continue;
      if (k === 'amount' && v && typeof v === 'object') {
        row.amount = (v as { value?: number }).value ?? null;
        row.currency = (v as { currency?: string }).currency ?? null;
      } else row[k] = v;
    }
    return row;
  });
}

interface BucketCommandOptions extends SourceOptions, BucketFilterOptions {
  json?: boolean;
  limit?: number;
}

/** Costs leave unpriced usage out: say so on stderr, below the table or JSON. */
async function noteUnpriced(what: UsageKindName | 'costs', source: Source): Promise<void> {
  if (what === 'costs') for (const note of await unpricedNotesOf(source)) process.stderr.write(`note: ${note}\n`);
}

/** Sums of the numeric columns; a level (usage_bytes is storage held, not used up) is not summed. */
function totalsRow(rows: Record<string, unknown>[], columns: string[]): Record<string, unknown> {
  const total: Record<string, unknown> = { [columns[0] as string]: 'Total' };
  for (const c of columns.slice(1)) {
    if (c === 'usage_bytes') continue;
    const numbers = rows.map((r) => r[c]).filter((v): v is number => typeof v === 'number');
    if (numbers.length > 0) total[c] = numbers.reduce((a, b) => a + b, 0);
  }
  return total;
}

async function printBuckets(what: UsageKindName | 'costs', opts: BucketCommandOptions): Promise<void> {
  quietOnBrokenPipe();
  const source = openSource(opts);
  try {
    const query = bucketQueryFrom(opts, what);
    const rows: Record<string, unknown>[] = [];
    for await (const bucket of allBuckets(source.buckets, what, query)) {
      if (opts.json) process.stdout.write(`${JSON.stringify(bucket)}\n`);
      else rows.push(...flatRows(bucket).map((r) => ({ ...r, start_time: isoTime(r.start_time as number), end_time: undefined })));
    }
    if (opts.json) return await noteUnpriced(what, source);
    const present = new Set(rows.flatMap((r) => Object.entries(r).flatMap(([k, v]) => (v === null || v === undefined ? [] : [k]))));
    const dims = ['line_item', 'project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier', 'size', 'source', 'vector_store_id', 'context_level'];
    const columns = ['start_time', ...dims.filter((d) => present.has(d)), ...[...present].filter((c) => c !== 'start_time' && !dims.includes(c))];
    if (rows.length > 0) rows.push(totalsRow(rows, columns));
    process.stdout.write(rows.length > 0 ? `${table(rows, columns)}\n` : 'no usage in this range\n');
    await noteUnpriced(what, source);
  } finally {
    await source.close();
  }
}

export function registerUsageAndCosts(program: Command): void {
  const usage = program.command('usage').description('Usage buckets of one kind, from a local store or any server speaking the OpenAI Admin API.');
  bucketFilterOptions(sourceOptions(usage.argument('<kind>', `one of ${USAGE_KIND_NAMES.join(', ')}`)))
    .option('--width <width>', 'bucket width: 1m, 1h or 1d (default 1d)', width)
    .option('--json', 'one JSON bucket per line (NDJSON), as the API returns them')
    .addHelpText(
      'after',
      `
Examples:
  orgledger usage completions --since 7d --group-by model
  orgledger usage completions --since 24h --width 1h --group-by project_id --json
  orgledger usage images --since 2026-06-01 --until 2026-07-01 --group-by size,source
  OPENAI_ADMIN_KEY=sk-admin-... orgledger usage embeddings --url https://api.openai.com --since 30d`,
    )
    .action(async (kind: string, opts: BucketCommandOptions) => {
      if (!(USAGE_KIND_NAMES as readonly string[]).includes(kind))
        throw new InvalidArgumentError(`unknown usage kind '${kind}' (kinds: ${USAGE_KIND_NAMES.join(', ')})`);
      await printBuckets(kind as UsageKindName, opts);
    });

  const costs = program.command('costs').description('Daily costs, from a local store or any server speaking the OpenAI Admin API.');
  bucketFilterOptions(sourceOptions(costs), '7d', true, false)
    .option('--json', 'one JSON bucket per line (NDJSON), as the API returns them')
    .addHelpText(
      'after',
      `
Examples:
  orgledger costs --since 30d
  orgledger costs --since 7d --group-by project_id,line_item
  orgledger costs --url http://localhost:8080 --key sk-admin-... --since 2026-06-01 --json`,
    )
    .action(async (opts: BucketCommandOptions) => {
      await printBuckets('costs', opts);
    });
}
