/**
 * `orgledger sync --from URL`: mirrors an upstream organization (OpenAI, or another orgledger) into a
 * local one: audit logs byte for byte, usage at 1h, costs per day (src/features/sync/ does the work).
 * The admin key comes from --admin-key, ORGLEDGER_SYNC_ADMIN_KEY(_FILE) or OPENAI_ADMIN_KEY and is
 * never printed.
 */
import { readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/config.js';
import { DEFAULT_ORG_ID } from '../features/keys/service.js';
import { type CheckOptions, checkMirror } from '../features/sync/check.js';
import type { SyncSettings } from '../features/sync/context.js';
import { LOCKED_EXIT_CODE, SyncLockedError } from '../features/sync/lock.js';
import { DEFAULT_KINDS, type RunSummary, runSync, SYNC_PARTS, type SyncPart, streamsOf } from '../features/sync/service.js';
import { LocalSide, UpstreamSide } from '../features/sync/sides.js';
import { UpstreamClient } from '../features/sync/upstream.js';
import { USAGE_KIND_NAMES, type UsageKindName } from '../features/usage/kinds.js';
import { systemClock } from '../lib/clock.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';
import { progressBar } from './progress.js';
import { collect, parseDuration, timeArg } from './time-args.js';

interface SyncOptions extends StoreOptions {
  from?: string;
  adminKey?: string;
  org?: string;
  since: number;
  only?: string[];
  kinds?: string[];
  dryRun?: boolean;
  check?: boolean;
  status?: boolean;
  maxRps: number;
  settle: number;
  reread: number;
  overlap: number;
}

function duration(text: string): number {
  const s = parseDuration(text);
  if (s === null) throw new InvalidArgumentError(`'${text}' is not a duration (2h, 30m, 1d)`);
  return s;
}

function rps(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number of requests per second (0: unpaced)');
  return n;
}

/** The upstream admin key: a flag, ORGLEDGER_SYNC_ADMIN_KEY, the file ORGLEDGER_SYNC_ADMIN_KEY_FILE names, or OPENAI_ADMIN_KEY. */
export function upstreamKey(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.ORGLEDGER_SYNC_ADMIN_KEY) return env.ORGLEDGER_SYNC_ADMIN_KEY;
  const file = env.ORGLEDGER_SYNC_ADMIN_KEY_FILE;
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`ORGLEDGER_SYNC_ADMIN_KEY_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (env.OPENAI_ADMIN_KEY) return env.OPENAI_ADMIN_KEY;
  throw new ConfigError('no upstream admin key: pass --admin-key, or set ORGLEDGER_SYNC_ADMIN_KEY, ORGLEDGER_SYNC_ADMIN_KEY_FILE or OPENAI_ADMIN_KEY');
}

export function parseParts(only: string[] | undefined): SyncPart[] {
  if (!only || only.length === 0) return SYNC_PARTS;
  for (const p of only) if (!SYNC_PARTS.includes(p as SyncPart)) throw new ConfigError(`--only: '${p}' is not one of ${SYNC_PARTS.join(', ')}`);
  return only as SyncPart[];
}

export function parseKinds(kinds: string[] | undefined): UsageKindName[] {
  if (!kinds || kinds.length === 0) return DEFAULT_KINDS;
  for (const k of kinds)
    if (!(USAGE_KIND_NAMES as readonly string[]).includes(k)) throw new ConfigError(`--kinds: '${k}' is not a usage kind (${USAGE_KIND_NAMES.join(', ')})`);
  return kinds as UsageKindName[];
}

const iso = (t: number) => (t > 0 ? new Date(t * 1000).toISOString().replace('.000Z', 'Z') : '-');

export function summaryLine(s: RunSummary, requests: number, retries: number, dryRun: boolean): string {
  const added = s.streams.reduce((n, r) => n + r.added, 0);
  const corrections = s.streams.reduce((n, r) => n + r.corrections, 0);
  const failed = s.streams.filter((r) => r.error !== null).length;
  const verb = dryRun ? 'would add' : 'added';
  return `sync: ${verb} ${added} records and ${corrections} corrections in ${s.seconds.toFixed(1)} s; ${requests} upstream requests (${retries} retried)${failed ? `; ${failed} streams failed` : ''}`;
}

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('Mirror an upstream organization (OpenAI or another orgledger): audit logs, usage and costs, resumably.')
    .option('--from <url>', 'the upstream API base URL, e.g. https://api.openai.com/v1')
    .option('--admin-key <key>', 'upstream admin key [ORGLEDGER_SYNC_ADMIN_KEY, ORGLEDGER_SYNC_ADMIN_KEY_FILE, OPENAI_ADMIN_KEY]')
    .option('--org <org>', 'local organization to mirror into (id or name; default org-default)')
    .option('--since <when>', 'how far back the first run goes: a duration (90d) or an ISO date', timeArg, timeArg('90d'))
    .option('--only <parts>', 'audit, usage, costs (comma-separated; default all)', collect)
    .option('--kinds <kinds>', 'usage kinds to mirror (comma-separated; default every kind but decisions)', collect)
    .option('--max-rps <n>', 'upstream requests per second at most (0: unpaced)', rps, 5)
    .option('--settle <duration>', 'leave usage and cost buckets younger than this for a later run', duration, 7200)
    .option('--reread <duration>', 'closed buckets re-read every run to catch upstream changes', duration, 86400)
    .option('--overlap <duration>', 'audit window overlap with the previous run, for late events', duration, 3600)
    .option('--dry-run', 'read the upstream and count what would be added, write nothing')
    .option('--check', 'compare the mirror with the upstream (ids, daily totals per kind and project); exit 1 on a difference')
    .option('--status', "print each stream's cursor, last run, lag and error; no upstream request")
    .option('--data <dir>', 'data directory for the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'a SQLite file path or postgres:// URL [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .addHelpText(
      'after',
      '\nExamples:\n  OPENAI_ADMIN_KEY=sk-admin-... orgledger sync --from https://api.openai.com/v1 --since 90d\n  orgledger sync --from https://api.openai.com/v1 --check\n  orgledger sync --status',
    )
    .action(async (opts: SyncOptions) => {
      const parts = parseParts(opts.only);
      const kinds = parseKinds(opts.kinds);
      const config = configFrom(opts);
      await withStore(config, async (store, keys) => {
        const orgId = await resolveOrg(store, opts.org);
        if (opts.status) {
          printStatus(await store.sync.listSyncCursors(orgId), streamsOf(parts, kinds));
          const lock = await store.sync.getSyncLock(orgId);
          if (lock) process.stdout.write(`running: pid ${lock.pid} on ${lock.host} since ${iso(lock.acquiredAt)} (lease until ${iso(lock.expiresAt)})\n`);
          return;
        }
        if (!opts.from) throw new ConfigError('--from is required: the upstream API base URL (e.g. https://api.openai.com/v1)');
        // A fresh store has no default organization yet; the mirror's first write needs it.
        if (orgId === DEFAULT_ORG_ID && !opts.dryRun && !opts.check) await keys.ensureOrganization(DEFAULT_ORG_ID, 'Default organization');
        const key = upstreamKey(opts.adminKey, process.env);
        const client = new UpstreamClient({ baseUrl: opts.from, adminKey: key, maxRps: opts.maxRps, onRetry: (what) => log(what) });
        const upstream = new UpstreamSide(client);
        const settings: SyncSettings = {
          since: opts.since,
          settleSeconds: opts.settle,
          rereadSeconds: opts.reread,
          auditOverlapSeconds: opts.overlap,
          dryRun: Boolean(opts.dryRun),
        };
        if (opts.check) {
          const check: CheckOptions = {
            upstream,
            local: new LocalSide(store, orgId, systemClock),
            cursors: await store.sync.listSyncCursors(orgId),
            settings,
            kinds,
            only: parts,
          };
          const lines = await checkMirror(check);
          for (const line of lines) process.stdout.write(`${line}\n`);
          process.stdout.write(lines.length === 0 ? 'sync --check: the mirror equals the upstream\n' : `sync --check: ${lines.length} differences\n`);
          if (lines.length > 0) process.exitCode = 1;
          return;
        }
        // Streams run a few at once: one line for the run (streams done), naming each stream in progress.
        const bar = progressBar('sync');
        const streamCount = streamsOf(parts, kinds).length;
        const shares = new Map<string, number>();
        const summary = await runSync({
          store,
          orgId,
          clock: systemClock,
          upstream,
          settings,
          only: parts,
          kinds,
          log,
          progress: (stream, done, total) => {
            shares.set(stream, total ? Math.min(1, done / total) : 0);
            const finished = [...shares.values()].reduce((n, v) => n + v, 0);
            const active = [...shares].filter(([, v]) => v < 1).map(([s, v]) => `${s} ${Math.round(v * 100)}%`);
            bar.update(finished, streamCount, active.join('  '));
          },
        }).catch((err: unknown) => {
          if (!(err instanceof SyncLockedError)) throw err;
          log(err.message);
          process.exitCode = LOCKED_EXIT_CODE;
          return null;
        });
        bar.done();
        if (summary === null) return;
        for (const r of summary.streams) {
          const what = r.error ? `failed: ${r.error}` : `${r.added} added, ${r.corrections} corrections, ${r.unchanged} unchanged`;
          process.stderr.write(`  ${r.stream.padEnd(36)} ${what}\n`);
        }
        process.stdout.write(`${summaryLine(summary, client.requests, client.retries, settings.dryRun)}\n`);
        if (summary.streams.some((r) => r.error !== null)) process.exitCode = 1;
      });
    });
}

const log = (line: string) => process.stderr.write(`orgledger: ${line}\n`);

function printStatus(cursors: Awaited<ReturnType<import('../store/store.js').Store['sync']['listSyncCursors']>>, streams: string[]): void {
  const now = Math.floor(Date.now() / 1000);
  const byStream = new Map(cursors.map((c) => [c.stream, c]));
  const rows = [['Stream', 'Mirrored up to', 'Lag', 'Last run', 'Records', 'Error']];
  for (const s of new Set([...streams, ...byStream.keys()])) {
    const c = byStream.get(s);
    rows.push([
      s,
      c ? iso(c.position) : 'never',
      c && c.position > 0 ? `${Math.round((now - c.position) / 60)} min` : '-',
      c ? iso(c.lastRunAt) : '-',
      String(c?.records ?? 0),
      c?.lastError ?? '',
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
}
