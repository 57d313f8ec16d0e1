/**
 * `orgledger sync` end to end: an upstream orgledger filled by `orgledger demo`, reached through a
 * fault-injecting proxy (429 + Retry-After, 500s, dropped and slow responses), mirrored into a fresh
 * store (SQLite, and PostgreSQL when configured) by the real CLI. The mirror then answers every audit
 * list and usage/cost query exactly as the upstream does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_KIND_NAMES, usageKind } from '../../src/features/usage/kinds.js';
import { type CliResult, runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';
import { freshTestDatabase, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));
const KINDS = USAGE_KIND_NAMES.filter((k) => k !== 'decisions');
const HOUR = 3600;
const DAY = 86400;

const dirs: string[] = [];
function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `orgledger-sync-${tag}-`));
  dirs.push(d);
  return d;
}

let upstream: ServeChild;
let proxy: FaultProxy;
const upKey = testSecret('sync-up');

async function api(base: string, key: string, path: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(`${base}/v1${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return text;
}

function sync(store: string[], extra: string[] = []): Promise<CliResult> {
  return runCli(['sync', '--from', proxy.url, '--max-rps', '0', '--since', '4d', ...store, ...extra], { ORGLEDGER_SYNC_ADMIN_KEY: upKey });
}

/** Every page of an audit walk, as text. */
async function auditPages(base: string, key: string, tenantOnly: boolean): Promise<string[]> {
  const pages: string[] = [];
  let after = '';
  for (;;) {
    const text = await api(base, key, `/organization/audit_logs?limit=100${tenantOnly ? '&tenant_only=true' : ''}${after ? `&after=${after}` : ''}`);
    pages.push(text);
    const page = JSON.parse(text) as { has_more: boolean; last_id: string | null };
    if (!page.has_more || !page.last_id) return pages;
    after = page.last_id;
  }
}

/** The usage and cost answers the mirror must equal: every kind at 1h and 1d, grouped by everything and by nothing; costs per day. */
async function answers(base: string, key: string, start: number, hourEnd: number, dayEnd: number): Promise<string[]> {
  const out: string[] = [];
  for (const kind of KINDS) {
    for (const width of ['1h', '1d']) {
      for (const group of ['', '&group_by=project_id,user_id,api_key_id,model,batch,service_tier,size,source,vector_store_id,context_level,api_source']) {
        const limit = width === '1h' ? 168 : 31;
        let path = `/organization/usage/${kind}?start_time=${start}&end_time=${hourEnd}&bucket_width=${width}&limit=${limit}${group}`;
        // A group_by value the kind lacks is a 400: keep only the kind's own dimensions.
        if (group) path = path.replace(/group_by=[^&]*/, `group_by=${usageKind(kind).groupBy.join(',')}`);
        out.push(await api(base, key, path));
      }
    }
  }
  for (const group of ['', '&group_by=project_id,line_item', '&group_by=project_id,line_item,api_key_id'])
    out.push(await api(base, key, `/organization/costs?start_time=${start}&end_time=${dayEnd}&limit=31${group}`));
  return out;
}

beforeAll(async () => {
  const up = tempDir('up');
  const demo = await runCli(['demo', '--days', '3', '--people', '20', '--seed', '5', '--data', up]);
  expect(demo.code, demo.stderr).toBe(0);
  upstream = await startServeChild(['--data', up], { ORGLEDGER_ADMIN_KEY: upKey });
  // An event carrying fields outside our schema, as OpenAI's own example does: they must survive byte for byte.
  await api(upstream.url, upKey, '/organization/audit_logs', {
    method: 'POST',
    body: JSON.stringify({
      data: [
        {
          id: 'audit_log-sync-unknown-fields',
          type: 'login.succeeded',
          effective_at: Math.floor(Date.now() / 1000) - 2 * DAY,
          actor: {
            type: 'session',
            session: {
              user: { id: 'user-x', email: 'x@example.com' },
              ip_address: '10.0.0.1',
              user_agent: 'Mozilla/5.0 (\u00e9t\u00e9)',
              ja3: 'a497f2fd2b1ed1c4e3f43a1e0d6d2c3b',
              ja4: 'q13d0313h3_55b375c5d22e_c7319ce65786',
              ip_address_details: { country: 'US', city: 'San Francisco', asn: '1234', latitude: '37.77490', longitude: '-122.41940' },
            },
          },
        },
      ],
    }),
  });
  proxy = await startFaultProxy(upstream.url);
}, 240_000);

afterAll(async () => {
  await proxy?.close();
  await upstream?.kill();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Engine {
  name: string;
  store: () => Promise<{ args: string[]; drop: () => Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'sqlite',
    store: async () => ({ args: ['--data', tempDir('down')], drop: async () => undefined }),
  },
];
if (PG_TEST_URL)
  engines.push({
    name: 'postgres',
    store: async () => {
      const db: TestDatabase = await freshTestDatabase();
      return { args: ['--database-url', db.url], drop: () => db.drop() };
    },
  });

describe.each(engines)('orgledger sync into $name', (engine) => {
  let store: { args: string[]; drop: () => Promise<void> };
  let mirror: ServeChild | undefined;
  const downKey = testSecret('sync-down');

  beforeAll(async () => {
    store = await engine.store();
  });
  afterAll(async () => {
    await mirror?.kill();
    await store?.drop();
  });

  it('mirrors through 429s, 500s, dropped and slow responses; the mirror answers exactly as the upstream', async () => {
    const started = Math.floor(Date.now() / 1000);
    proxy.faults = true;
    const first = await sync(store.args);
    expect(first.code, first.stderr).toBe(0);
    expect(proxy.counts.tooMany).toBeGreaterThan(0);
    expect(proxy.counts.serverErrors).toBeGreaterThan(0);
    expect(proxy.counts.dropped).toBeGreaterThan(0);
    expect(proxy.counts.slow).toBeGreaterThan(0);
    // The upstream's error message and request id are shown while retrying; the key never is.
    expect(first.stderr).toMatch(/The server had an error \(proxy\)\. \(request id req_proxy_\d+\); retrying/);
    expect(first.stderr + first.stdout).not.toContain(upKey);
    expect(first.stdout).toMatch(/^sync: added [1-9]\d* records and 0 corrections in [\d.]+ s; \d+ upstream requests \(\d+ retried\)$/m);

    mirror = await startServeChild(store.args, { ORGLEDGER_ADMIN_KEY: downKey });
    for (const tenant of [false, true]) expect(await auditPages(mirror.url, downKey, tenant)).toEqual(await auditPages(upstream.url, upKey, tenant));
    const mine = await api(mirror.url, downKey, `/organization/audit_logs?limit=100&effective_at[lt]=${started - DAY}`);
    expect(mine).toContain('"ja4":"q13d0313h3_55b375c5d22e_c7319ce65786"');

    const start = Math.floor((started - 4 * DAY) / DAY) * DAY + DAY;
    const hourEnd = Math.floor((started - 2 * HOUR) / HOUR) * HOUR;
    const dayEnd = Math.floor((started - 2 * HOUR) / DAY) * DAY;
    expect(await answers(mirror.url, downKey, start, hourEnd, dayEnd)).toEqual(await answers(upstream.url, upKey, start, hourEnd, dayEnd));
  }, 300_000);

  it('adds nothing on a second run, and --check finds no difference', async () => {
    proxy.faults = false;
    const again = await sync(store.args);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^sync: added 0 records and 0 corrections/m);
    const check = await sync(store.args, ['--check']);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stdout).toContain('the mirror equals the upstream');
  }, 120_000);

  it('takes a changed upstream bucket as a correction, and a late event in the overlap', async () => {
    const now = Math.floor(Date.now() / 1000);
    // More usage in a group the mirror already holds, in a closed hour of the re-read day.
    const closed = Math.floor((now - 2 * HOUR) / HOUR) * HOUR;
    const dims = usageKind('completions').groupBy.join(',');
    const hours = JSON.parse(
      await api(
        upstream.url,
        upKey,
        `/organization/usage/completions?start_time=${closed - 20 * HOUR}&end_time=${closed - HOUR}&bucket_width=1h&limit=168&group_by=${dims}`,
      ),
    ) as { data: { start_time: number; results: Record<string, unknown>[] }[] };
    const bucket = hours.data.find((b) => b.results.length > 0);
    if (!bucket) throw new Error('the demo left no completions usage in the re-read day');
    const group = Object.fromEntries(Object.entries(bucket.results[0] as object).filter(([k, v]) => dims.split(',').includes(k) && v !== null));
    await api(upstream.url, upKey, '/organization/usage/completions', {
      method: 'POST',
      body: JSON.stringify({ data: [{ ...group, created_at: bucket.start_time + 60, input_tokens: 1000, output_tokens: 10 }] }),
    });
    // And a cost in a line item the mirror already holds, on the last closed day.
    const yesterday = Math.floor((now - 2 * HOUR) / DAY) * DAY - DAY;
    const costs = JSON.parse(
      await api(upstream.url, upKey, `/organization/costs?start_time=${yesterday}&end_time=${yesterday + DAY}&group_by=project_id,line_item,api_key_id`),
    ) as { data: { results: { project_id: string | null; line_item: string; api_key_id: string | null }[] }[] };
    const line = costs.data[0]?.results[0];
    if (!line) throw new Error('the demo left no costs on the last closed day');
    await api(upstream.url, upKey, '/organization/costs', {
      method: 'POST',
      body: JSON.stringify({
        data: [
          {
            created_at: yesterday + 100,
            project_id: line.project_id,
            api_key_id: line.api_key_id,
            line_item: line.line_item,
            amount: { value: 12.5, currency: 'usd' },
          },
        ],
      }),
    });
    await api(upstream.url, upKey, '/organization/audit_logs', {
      method: 'POST',
      body: JSON.stringify({ data: [{ id: `audit_log-sync-late-${engine.name}`, type: 'logout.succeeded', effective_at: now - 1800 }] }),
    });
    // The mirror differs now, and --check says so.
    const before = await sync(store.args, ['--check']);
    expect(before.code).toBe(1);
    const run = await sync(store.args);
    expect(run.code, run.stderr).toBe(0);
    // The usage correction, the cost one, and the upstream pricing of that usage where it fell on a closed day.
    expect(run.stdout).toMatch(/added 1 records and [2-9] corrections/);
    const after = await sync(store.args, ['--check']);
    expect(after.code, after.stdout).toBe(0);
    for (const tenant of [false, true]) expect(await auditPages(mirror?.url as string, downKey, tenant)).toEqual(await auditPages(upstream.url, upKey, tenant));
  }, 180_000);

  it('prints each stream in --status', async () => {
    const status = await runCli(['sync', '--status', ...store.args]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^audit\s+\d{4}-\d\d-\d\dT/m);
    expect(status.stdout).toMatch(/^usage\.completions\s+\d{4}-\d\d-\d\dT/m);
    expect(status.stdout).toMatch(/^costs\s+\d{4}-\d\d-\d\dT/m);
  });
});

describe('orgledger sync resilience', () => {
  it('resumes after a SIGKILL mid-run to the same mirror', async () => {
    const data = tempDir('killed');
    proxy.faults = false;
    const killedAt = proxy.counts.requests + 12;
    let child: ChildProcess | undefined;
    proxy.onRequest = (n) => {
      if (n === killedAt) child?.kill('SIGKILL');
    };
    child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'sync', '--from', proxy.url, '--max-rps', '0', '--since', '4d', '--data', data], {
      cwd: ROOT,
      env: { ...process.env, ORGLEDGER_SYNC_ADMIN_KEY: upKey },
      stdio: 'ignore',
    });
    const exit = await new Promise<NodeJS.Signals | null>((resolve) => child?.on('exit', (_code, signal) => resolve(signal)));
    proxy.onRequest = undefined;
    expect(exit).toBe('SIGKILL');
    const resumed = await sync(['--data', data]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const check = await sync(['--data', data], ['--check']);
    expect(check.code, check.stdout).toBe(0);
  }, 180_000);

  it('fails fast on a refused key, naming the problem and never printing the key', async () => {
    const data = tempDir('badkey');
    const bad = 'sk-admin-wrong-key-0123456789abcdef';
    const r = await runCli(['sync', '--from', `${upstream.url}/v1`, '--data', data, '--only', 'usage'], { ORGLEDGER_SYNC_ADMIN_KEY: bad });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/answered 401 .*request id req_.*refused the admin key/);
    expect(r.stderr + r.stdout).not.toContain(bad);
  }, 60_000);
});

describe('orgledger sync lock', () => {
  it('refuses a second run of the same organization while one runs (exit 75, naming the holder), and runs once it ended', async () => {
    const data = tempDir('locked');
    proxy.faults = false;
    let open: () => void = () => undefined;
    proxy.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // The first run is held at its first upstream request, lock taken.
    const firstRequest = new Promise<void>((resolve) => {
      proxy.onRequest = () => resolve();
    });
    const first = sync(['--data', data]);
    await firstRequest;
    proxy.onRequest = undefined;
    const second = await sync(['--data', data]);
    expect(second.code, second.stderr).toBe(75);
    expect(second.stderr).toMatch(/another sync of organization org-default is running \(pid \d+ on .+, since \d{4}-\d\d-\d\dT[\d:]+Z\); this run did nothing/);
    const status = await runCli(['sync', '--status', '--data', data]);
    expect(status.stdout).toMatch(/^running: pid \d+ on .+ since /m);
    proxy.gate = undefined;
    open();
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    const after = await sync(['--data', data]);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^sync: added 0 records/m);
  }, 180_000);
});

/** Resolves with the match once the server's output (after `from` characters) matches `re`: waits on output events, not time. */
function outputMatch(server: ServeChild, re: RegExp, from: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const test = () => {
      const m = re.exec(server.stdout().slice(from));
      if (!m) return false;
      server.child.stdout?.off('data', onData);
      resolve(m);
      return true;
    };
    const onData = () => void test();
    server.child.stdout?.on('data', onData);
    void server.exited.then(() => reject(new Error(`serve exited: ${server.stderr()}`)));
    test();
  });
}

describe('orgledger serve --sync-from', () => {
  it('keeps a mirror current from inside the server, run after run, never logging the key', async () => {
    const data = tempDir('serve-sync');
    const downKey = testSecret('serve-down');
    proxy.faults = false;
    const server = await startServeChild(['--data', data, '--sync-from', proxy.url, '--sync-interval', '1s'], {
      ORGLEDGER_ADMIN_KEY: downKey,
      ORGLEDGER_SYNC_ADMIN_KEY: upKey,
    });
    try {
      const first = await outputMatch(server, /"msg":"sync: added (\d+) records and \d+ corrections/, 0);
      expect(Number(first[1])).toBeGreaterThan(0);
      for (const tenant of [false, true]) expect(await auditPages(server.url, downKey, tenant)).toEqual(await auditPages(upstream.url, upKey, tenant));
      // A new upstream event arrives with a later run of the loop.
      const mark = server.stdout().length;
      await api(upstream.url, upKey, '/organization/audit_logs', {
        method: 'POST',
        body: JSON.stringify({ data: [{ id: 'audit_log-serve-sync-later', type: 'logout.succeeded', effective_at: Math.floor(Date.now() / 1000) - 60 }] }),
      });
      await outputMatch(server, /"msg":"sync: added [1-9]\d* records/, mark);
      expect(await api(server.url, downKey, '/organization/audit_logs?limit=5')).toContain('audit_log-serve-sync-later');
      const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${downKey}` } })).text();
      expect(metrics).toMatch(/orgledger_sync_last_run_timestamp_seconds\{[^}]*stream="audit"[^}]*\} \d+/);
      expect(server.stdout() + server.stderr()).not.toContain(upKey);
    } finally {
      await server.kill();
    }
  }, 180_000);
});

describe('orgledger sync daily fallback', () => {
  it('mirrors the days the upstream serves no hourly buckets for as daily buckets; daily totals equal', async () => {
    const data = tempDir('daily');
    proxy.faults = false;
    const today = Math.floor(Date.now() / 1000 / DAY) * DAY;
    proxy.hourlyFrom = today - DAY;
    const since = new Date((today - 3 * DAY) * 1000).toISOString();
    const only = ['--only', 'usage', '--kinds', 'completions,vector_stores', '--since', since];
    try {
      const run = await sync(['--data', data], only);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/usage\.completions: the upstream serves no 1h buckets for \d{4}-\d\d-\d\d; older days are mirrored as daily buckets/);
      expect(run.stdout).toMatch(/^sync: added [1-9]\d* records/m);
      const check = await sync(['--data', data], [...only, '--check']);
      expect(check.code, check.stdout).toBe(0);
      const again = await sync(['--data', data], only);
      expect(again.stdout).toMatch(/^sync: added 0 records and 0 corrections/m);
    } finally {
      proxy.hourlyFrom = undefined;
    }
  }, 180_000);
});
