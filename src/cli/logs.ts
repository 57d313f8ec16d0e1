import { type Command, InvalidArgumentError } from 'commander';
import { eventTypes } from '../features/audit-logs/event-types.js';
import { type AuditQuery, auditEvents, openSource, type SourceOptions, sourceOptions } from './api-source.js';
import { assertLocalProvenance, withAuditProvenance } from './audit-provenance.js';
import { openLiveTail } from './live-follow.js';
import { isoTime, table } from './output.js';
import { quietOnBrokenPipe } from './sink.js';
import { collect, positiveInt, timeArg } from './time-args.js';

export interface AuditFilterOptions {
  type?: string[];
  actor?: string[];
  email?: string[];
  project?: string[];
  resource?: string[];
  tenant?: boolean;
  since?: number;
  until?: number;
}

/** Edit distance, to suggest the event type a typo meant. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] as number;
}

function eventTypeList(value: string, previous: string[] = []): string[] {
  const list = collect(value, previous);
  for (const t of list) {
    if (eventTypes().has(t)) continue;
    const [nearest] = [...eventTypes().keys()].map((k) => [k, distance(t, k)] as const).sort((x, y) => x[1] - y[1]);
    const hint = nearest && nearest[1] <= Math.max(2, Math.floor(t.length / 3)) ? `; did you mean ${nearest[0]}?` : ' (see GET /openapi.json)';
    throw new InvalidArgumentError(`'${t}' is not an audit-log event type${hint}`);
  }
  return list;
}

/** `--since 1d --until 7d` selects nothing: say so instead of printing an empty result. */
export function checkRange(since: number | undefined, until: number | undefined): void {
  if (since !== undefined && until !== undefined && since >= until)
    throw new InvalidArgumentError(`--since (${new Date(since * 1000).toISOString()}) must be before --until (${new Date(until * 1000).toISOString()})`);
}

/** The filter flags of logs and export logs: the API's query parameters. */
export function auditFilterOptions(cmd: Command): Command {
  return cmd
    .option('--type <type>', 'event type (repeatable, or comma-separated): event_types[]', eventTypeList)
    .option('--actor <id>', 'user, service-account or API-key id of the actor (repeatable): actor_ids[]', collect)
    .option('--email <email>', 'email of the actor (repeatable): actor_emails[]', collect)
    .option('--project <id>', 'project id (repeatable): project_ids[]', collect)
    .option('--resource <id>', 'id of the target (repeatable): resource_ids[]', collect)
    .option('--tenant', 'tenant-scoped events only: tenant_only=true')
    .option('--since <when>', 'from this time: a duration back from now (7d, 12h, 30m) or an ISO date', timeArg)
    .option('--until <when>', 'before this time: a duration back from now or an ISO date', timeArg);
}

export function auditQueryFrom(o: AuditFilterOptions): AuditQuery {
  checkRange(o.since, o.until);
  const q: AuditQuery = {};
  if (o.type) q.event_types = o.type;
  if (o.actor) q.actor_ids = o.actor;
  if (o.email) q.actor_emails = o.email;
  if (o.project) q.project_ids = o.project;
  if (o.resource) q.resource_ids = o.resource;
  if (o.tenant) q.tenant_only = true;
  if (o.since !== undefined || o.until !== undefined) {
    q.effective_at = {};
    if (o.since !== undefined) q.effective_at.gte = o.since;
    if (o.until !== undefined) q.effective_at.lt = o.until;
  }
  return q;
}

type Event = Record<string, unknown>;

function actorOf(e: Event): string {
  type User = { id?: string; email?: string };
  const a = e.actor as
    | { type?: string; session?: { user?: User }; api_key?: { id?: string; user?: User; service_account?: { id?: string } } }
    | null
    | undefined;
  if (!a) return '';
  if (a.type === 'session') return a.session?.user?.email ?? a.session?.user?.id ?? 'session';
  const k = a.api_key ?? {};
  const who = k.user?.email ?? k.user?.id ?? k.service_account?.id ?? '';
  return `${who}${who ? ' ' : ''}(${k.id ?? 'api key'})`;
}

function targetOf(e: Event): string {
  const d = e[e.type as string] as Record<string, unknown> | undefined;
  if (!d) return '';
  if (typeof d.id === 'string') return d.id;
  if (typeof d.error_code === 'string') return d.error_code;
  const list = (d.certificates ?? d.configs) as { id?: string }[] | undefined;
  return Array.isArray(list) ? list.map((x) => x.id ?? '').join(',') : '';
}

function projectOf(e: Event): string {
  const p = e.project as { id?: string; name?: string } | undefined;
  return p?.name ?? p?.id ?? '';
}

export function eventRow(e: Event): Record<string, string> {
  return { time: isoTime(e.effective_at as number), type: e.type as string, actor: actorOf(e), target: targetOf(e), project: projectOf(e) };
}

const COLUMNS = ['time', 'type', 'actor', 'target', 'project'];
/** With --provenance: who ingested each event right after what it is, so a narrow terminal keeps it. */
const PROVENANCE_COLUMNS = ['time', 'type', 'ingested_by', 'request_id', 'ingested_at', 'actor', 'target', 'project'];

function provenanceRow(e: Event): Record<string, string> {
  return {
    ...eventRow(e),
    ingested_by: (e.ingested_by as string | null) ?? '(orgledger)',
    request_id: (e.request_id as string | null) ?? '',
    ingested_at: isoTime(e.ingested_at as number),
  };
}

interface LogsOptions extends SourceOptions, AuditFilterOptions {
  limit: number;
  all?: boolean;
  json?: boolean;
  follow?: boolean;
  interval: number;
  provenance?: boolean;
}

export function registerLogs(program: Command): void {
  const cmd = program.command('logs').description('List audit logs, newest first, from a local store or any server speaking the OpenAI Admin API.');
  auditFilterOptions(sourceOptions(cmd))
    .option('--limit <n>', 'show at most this many events', positiveInt(1_000_000), 20)
    .option('--all', 'show every matching event (pages through all of them)')
    .option('--json', 'one JSON event per line (NDJSON), exactly as the API returns it')
    .option('-f, --follow', 'keep running and print new events as they arrive (oldest first)')
    .option('--interval <seconds>', 'polling interval of --follow (a store, or a server without the live tail)', positiveInt(3600), 2)
    .option('--provenance', 'local store: add who ingested each event (admin key id, or (orgledger)), the request id and when')
    .addHelpText(
      'after',
      `
Examples:
  orgledger logs --since 7d --type login.failed
  orgledger logs --email ada.lovelace@acme.example --limit 100 --json | jq .type
  orgledger logs --project proj_abc --resource key_123 --since 2026-01-01 --until 2026-02-01
  orgledger logs --tenant --type tenant.user.added
  orgledger logs --type api_key.deleted --provenance
  orgledger logs --url http://localhost:8080 --key sk-admin-... --follow
  OPENAI_ADMIN_KEY=sk-admin-... orgledger logs --url https://api.openai.com --since 1d`,
    )
    .action(async (opts: LogsOptions) => {
      quietOnBrokenPipe();
      if (opts.provenance && opts.follow) throw new InvalidArgumentError('--provenance lists past events; it does not combine with --follow');
      const source = openSource(opts);
      try {
        if (opts.provenance) assertLocalProvenance(source);
        const query = auditQueryFrom(opts);
        // Listen for the stop signals before the first line goes out: whoever reads it may signal at once.
        const stopper = opts.follow ? stopOnSignals() : undefined;
        // Against a server, --follow streams (the live tail), opened before the listing so nothing falls between.
        const live = stopper && source.remote ? await openLiveTail(source.remote.base, opts.key ?? '', { ...query }, stopper.signal) : null;
        const max = opts.all ? Number.POSITIVE_INFINITY : opts.limit;
        const events: Event[] = [];
        let more = false;
        let shown = 0;
        // One event past the limit tells whether more match, without counting them all.
        const listed = auditEvents(source.audit, query, max + 1);
        for await (const e of opts.provenance ? withAuditProvenance(source, listed) : listed) {
          if (shown >= max) {
            more = true;
            break;
          }
          shown++;
          if (opts.json && !opts.follow) process.stdout.write(`${JSON.stringify(e)}\n`);
          else events.push(e);
        }
        if (more && !opts.follow && !opts.json) process.stderr.write(`${shown} shown, more match: raise --limit or use --all\n`);
        if (stopper) {
          events.reverse();
          print(events, opts.json === true, true);
          if (live) await followLive(live, new Set(events.map((e) => e.id as string)), opts);
          else await follow(source.audit, query, events[events.length - 1]?.id as string | undefined, opts, stopper);
        } else if (!opts.json) {
          const rows = opts.provenance ? events.map(provenanceRow) : events.map(eventRow);
          process.stdout.write(events.length > 0 ? `${table(rows, opts.provenance ? PROVENANCE_COLUMNS : COLUMNS)}\n` : 'no matching audit logs\n');
        }
      } finally {
        await source.close();
      }
    });
}

let headerPrinted = false;
function print(events: Event[], json: boolean, header: boolean): void {
  if (json) {
    for (const e of events) process.stdout.write(`${JSON.stringify(e)}\n`);
    return;
  }
  if (events.length === 0) return;
  // Fixed widths keep rows aligned across polls.
  const widths = [20, 34, 36, 30];
  const line = (r: Record<string, string>) =>
    COLUMNS.map((c, i) => (i < widths.length ? (r[c] ?? '').padEnd(widths[i] as number) : (r[c] ?? '')))
      .join('  ')
      .trimEnd();
  if (header && !headerPrinted) {
    process.stdout.write(`${line(Object.fromEntries(COLUMNS.map((c) => [c, c.toUpperCase()])))}\n`);
    headerPrinted = true;
  }
  for (const e of events) process.stdout.write(`${line(eventRow(e))}\n`);
}

/** Ctrl-C, `kill`, a closed terminal, and npx forwarding SIGTERM all stop --follow; sleep() wakes early then. */
function stopOnSignals(): { stopped: () => boolean; sleep: (ms: number) => Promise<void>; signal: AbortSignal } {
  let stop = false;
  let wake = () => {};
  const aborter = new AbortController();
  const onSignal = () => {
    stop = true;
    aborter.abort();
    wake();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, onSignal);
  return {
    stopped: () => stop,
    signal: aborter.signal,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        if (stop) return resolve();
        const timer = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
  };
}

/** Polls for events newer than the newest seen (`before` walks towards newer ones) until interrupted. */
async function follow(
  reader: { page: (q: AuditQuery) => Promise<{ data: Event[]; has_more: boolean }> },
  query: AuditQuery,
  newest: string | undefined,
  opts: LogsOptions,
  stopper: ReturnType<typeof stopOnSignals>,
): Promise<void> {
  let cursor = newest;
  // A parent that dies without signalling (npx killed with SIGKILL) re-parents us: stop then too.
  const parent = process.ppid;
  while (!stopper.stopped()) {
    await stopper.sleep(opts.interval * 1000);
    if (stopper.stopped() || process.ppid !== parent) break;
    for (;;) {
      const page = cursor ? await reader.page({ ...query, limit: 100, before: cursor }) : await reader.page({ ...query, limit: 100 });
      const fresh = [...page.data].reverse();
      print(fresh, opts.json === true, true);
      if (fresh.length > 0) cursor = fresh[fresh.length - 1]?.id as string;
      if (!page.has_more || !cursor) break;
    }
  }
}

/** Prints the live tail's events until interrupted (or re-parented: see follow()). */
async function followLive(live: NonNullable<Awaited<ReturnType<typeof openLiveTail>>>, shown: Set<string>, opts: LogsOptions): Promise<void> {
  const parent = process.ppid;
  const orphanCheck = setInterval(() => {
    if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  }, 1000);
  try {
    await live.run(shown, (e) => print([e], opts.json === true, true));
  } finally {
    clearInterval(orphanCheck);
  }
}
