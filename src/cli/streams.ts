/**
 * `orgledger streams add|list|show|remove|replay`: on a local store (the log-streams service), or with
 * `--url` over the HTTP API with an admin key; the same JSON either way (the API's answers).
 */
import { type Command, Option } from 'commander';
import { ConfigError } from '../config/config.js';
import type { CreateLogStreamBody } from '../features/log-streams/schemas.js';
import { LogStreamService } from '../features/log-streams/service.js';
import { systemClock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import { RemoteError } from './api-source.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';

interface Options extends StoreOptions {
  org?: string;
  json?: boolean;
  url?: string;
  key?: string;
}

/** One call of the API: the request a local command stands for. */
interface ApiCall {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

const common = (cmd: Command) =>
  cmd
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'a SQLite file path or postgres:// URL [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--org <id-or-name>', 'organization (default: the default organization)')
    .option('--url <url>', 'manage the streams of a server over its API instead of a local store')
    .addOption(new Option('--key <key>', 'admin key for --url (scope log_streams.manage)').env('OPENAI_ADMIN_KEY'))
    .option('--json', 'print JSON (the only output format of these commands)');

async function run(opts: Options, call: ApiCall, fn: (svc: LogStreamService, orgId: string, store: Store) => Promise<unknown>): Promise<void> {
  const out = opts.url
    ? await remote(opts.url, opts, call)
    : await withStore(configFrom(opts), async (store) => fn(new LogStreamService(store, systemClock), await resolveOrg(store, opts.org), store));
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

/** The API answer as is; an error answer becomes a RemoteError (exit 2 for a 400, 1 otherwise), as the local mode's. */
async function remote(url: string, opts: Options, call: ApiCall): Promise<unknown> {
  if (!opts.key) throw new ConfigError('streams --url needs --key (or OPENAI_ADMIN_KEY): an admin key with log_streams.manage');
  // The key decides the organization on a server; a different one cannot be chosen from here.
  if (opts.org) throw new ConfigError('--org applies to a local store; with --url the key decides the organization');
  const base = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  const res = await fetch(`${base}/v1/organization/log_streams${call.path}`, {
    method: call.method,
    headers: { authorization: `Bearer ${opts.key}`, ...(call.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RemoteError(res.status, `${res.status} from ${base}: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const e = (parsed as { error?: { message?: string; param?: string | null } }).error;
    throw new RemoteError(res.status, `${res.status} from ${base}: ${e?.message ?? text.slice(0, 200)}${e?.param ? ` (param: ${e.param})` : ''}`);
  }
  return parsed;
}

const at = (id: string) => `/${encodeURIComponent(id)}`;

export function registerStreams(program: Command): void {
  const streams = program
    .command('streams')
    .description(
      'Log streams: push audit events and usage records to webhook, Splunk HEC, syslog, S3 or Elasticsearch sinks; local store or --url (docs/streams.md).',
    );
  common(streams.command('add').description('Create a stream from the API create body; prints it once with its secrets.'))
    .requiredOption('--body <json>', 'the create body, e.g. {"name":"siem","sink":{"type":"webhook","url":"https://..."}}')
    .action(async (opts: Options & { body: string }) => {
      let body: CreateLogStreamBody;
      try {
        body = JSON.parse(opts.body) as CreateLogStreamBody;
      } catch {
        throw new ConfigError('--body is not JSON');
      }
      if (typeof body?.name !== 'string' || typeof body.sink?.type !== 'string') throw new ConfigError('--body needs "name" and "sink": {"type", ...}');
      await run(opts, { method: 'POST', path: '', body }, (svc, org) => svc.create(org, body));
    });
  common(streams.command('list').description('List the streams with status, cursors, lag and counters.')).action((opts: Options) =>
    run(opts, { method: 'GET', path: '' }, (svc, org) => svc.list(org)),
  );
  common(streams.command('show').argument('<id>').description('Show one stream (last error, lag, counters).')).action((id: string, opts: Options) =>
    run(opts, { method: 'GET', path: at(id) }, (svc, org) => svc.get(org, id)),
  );
  common(streams.command('remove').argument('<id>').description('Delete a stream.')).action((id: string, opts: Options) =>
    run(opts, { method: 'DELETE', path: at(id) }, (svc, org) => svc.remove(org, id)),
  );
  common(streams.command('replay').argument('<id>').description('Move the cursor back: records from there are sent again.'))
    .option('--from <sequence-or-time>', 'a sequence number, or an ISO 8601 time / Unix seconds prefixed with @ (e.g. @1700000000)')
    .action((id: string, opts: Options & { from?: string }) => {
      const from = opts.from ?? '';
      let body: { from_sequence?: number; from_time?: number };
      if (/^\d+$/.test(from)) body = { from_sequence: Number(from) };
      else if (/^@\d+$/.test(from)) body = { from_time: Number(from.slice(1)) };
      else if (!Number.isNaN(Date.parse(from))) body = { from_time: Math.floor(Date.parse(from) / 1000) };
      else throw new ConfigError('--from needs a sequence number, @<unix seconds> or an ISO 8601 time');
      return run(opts, { method: 'POST', path: `${at(id)}/replay`, body }, (svc, org) => svc.replay(org, id, body));
    });
}
