/**
 * The demo, end to end: the real `orgledger demo` command into a real store, then a real spawned
 * server reading it back through the openai SDK, every page checked against the spec.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventTypeNames } from '../../src/features/audit-logs/event-types.js';
import { USAGE_KIND_NAMES } from '../../src/features/usage/kinds.js';
import { cliJson, runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';
import { checkResponse, contractViolations } from '../helpers/contract.js';

const END = '2026-06-30T18:00:00Z';
/** The demo writes the spec's kinds; decisions (newest SDK only) has no demo data. */
const DEMO_KINDS = USAGE_KIND_NAMES.filter((k) => k !== 'decisions');
const DEMO = ['demo', '--days', '4', '--people', '25', '--seed', '11', '--end', END];

describe('orgledger demo', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'orgledger-demo-'));
    dirs.push(d);
    return d;
  };
  let data: string;
  let summary: any;
  let server: ServeChild;
  const key = testSecret('demo');

  beforeAll(async () => {
    data = dir();
    summary = await cliJson([...DEMO, '--data', data]);
    server = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: key });
  }, 120_000);

  afterAll(async () => {
    await server?.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reports every event type and every usage kind', () => {
    expect(summary.eventTypes).toBe(eventTypeNames().length);
    expect(Object.keys(summary.byType).sort()).toEqual([...eventTypeNames()].sort());
    expect(summary.usageKinds.sort()).toEqual([...DEMO_KINDS].sort());
    expect(summary.events).toBe(Object.values(summary.byType as Record<string, number>).reduce((a, b) => a + b, 0));
    // Sign-ins dominate; rare administration appears, but rarely.
    expect(summary.byType['login.succeeded']).toBeGreaterThan(summary.byType['scim.enabled'] * 5);
  });

  it('serves every event type back, each page valid against the spec', async () => {
    const client = server.client(key);
    const seen = new Map<string, number>();
    for (const tenant_only of [false, true]) {
      for await (const log of client.admin.organization.auditLogs.list({ limit: 100, tenant_only })) seen.set(log.type, (seen.get(log.type) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([...eventTypeNames()].sort());
    expect(Object.fromEntries(seen)).toEqual(summary.byType);
    expect(contractViolations).toEqual([]);
  });

  it('writes usage of every kind that the usage API returns, valid against the spec', async () => {
    const start = Math.floor(Date.parse(END) / 1000) - 5 * 86400;
    for (const kind of DEMO_KINDS) {
      const res = await fetch(`${server.url}/v1/organization/usage/${kind}?start_time=${start}&limit=7`, { headers: { authorization: `Bearer ${key}` } });
      const body = await res.json();
      expect(res.status).toBe(200);
      expect(checkResponse('GET', `/v1/organization/usage/${kind}`, 200, body).errors).toEqual([]);
      const measured = body.data
        .flatMap((b: any) => b.results)
        .filter((r: any) => Object.entries(r).some(([k, v]) => k !== 'object' && typeof v === 'number' && v > 0));
      expect(measured.length, kind).toBeGreaterThan(0);
    }
    const costs = await (
      await fetch(`${server.url}/v1/organization/costs?start_time=${start}&limit=7`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    const total = costs.data.flatMap((b: any) => b.results).reduce((s: number, r: any) => s + r.amount.value, 0);
    expect(total).toBeGreaterThan(0);
  });

  it('prices every model and tier it uses: nothing is unpriced', async () => {
    const res = await fetch(`${server.url}/v1/organization/costs/unpriced`, { headers: { authorization: `Bearer ${key}` } });
    expect((await res.json()).data).toEqual([]);
    expect(server.stdout()).not.toContain('unpriced');
  });

  it('is deterministic for a seed and idempotent when run again', async () => {
    const other = dir();
    const again = await cliJson([...DEMO, '--data', other]);
    expect(again.byType).toEqual(summary.byType);
    const a = await runCli(['export', 'logs', '--data', data]);
    const b = await runCli(['export', 'logs', '--data', other]);
    expect(a.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
    // A second run into the same store adds nothing.
    await cliJson([...DEMO, '--data', other]);
    const c = await runCli(['export', 'logs', '--data', other]);
    expect(c.stdout.split('\n').length).toBe(a.stdout.split('\n').length);
    // Another seed tells another story.
    const third = await cliJson(['demo', '--days', '4', '--people', '25', '--seed', '12', '--end', END, '--data', dir()]);
    expect(third.byType).not.toEqual(summary.byType);
  }, 120_000);
});

describe('serve --demo', () => {
  it('generates on first start, reuses after, and prints a key that works', async () => {
    const data = mkdtempSync(join(tmpdir(), 'orgledger-demo-serve-'));
    try {
      const first = await startServeChild(['--demo', '--demo-days', '3', '--demo-people', '15', '--data', data]);
      const out1 = first.stdout();
      const key = /admin key: (sk-admin-\S+)/.exec(out1)?.[1] as string;
      expect(out1).toMatch(/demo: [\d,]+ audit events of 149 types/);
      expect(out1).toContain(`curl -s -H "Authorization: Bearer ${key}"`);
      expect(out1).toContain('new OpenAI(');
      const page = await first.client(key).admin.organization.auditLogs.list({ limit: 5 });
      expect(page.data.length).toBe(5);
      await first.kill();

      const second = await startServeChild(['--demo', '--demo-days', '3', '--demo-people', '15', '--data', data]);
      const out2 = second.stdout();
      expect(out2).toContain('already in the store (reused)');
      expect(/admin key: (sk-admin-\S+)/.exec(out2)?.[1]).toBe(key);
      const again = await second.client(key).admin.organization.auditLogs.list({ limit: 5 });
      expect(again.data.map((e) => e.id)).toEqual(page.data.map((e) => e.id));
      await second.kill();
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('serve --demo in a terminal', () => {
  it('keeps request logs off stdout and prints the banner again on SIGUSR2', async () => {
    const data = mkdtempSync(join(tmpdir(), 'orgledger-demo-quiet-'));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ORGLEDGER_')) env[k] = v;
    // No --log-level: what `npm start` runs.
    const cli = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, 'serve', '--demo', '--demo-days', '2', '--demo-people', '10', '--port', '0', '--data', data],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const until = async (what: () => boolean) => {
      while (!what()) {
        if (child.exitCode !== null) throw new Error(`serve exited: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(() => out.includes('print this again'));
      const url = (/orgledger listening on (http:\/\/\S+)/.exec(out)?.[1] ?? '').replace('localhost', '127.0.0.1');
      const key = /admin key: (sk-admin-\S+)/.exec(out)?.[1] as string;
      expect(out).toContain(`kill -USR2 ${child.pid}`);
      const headers = { authorization: `Bearer ${key}` };
      for (let i = 0; i < 20; i++) {
        expect((await fetch(`${url}/`)).status).toBe(200);
        expect((await fetch(`${url}/v1/organization/audit_logs?limit=5`, { headers })).status).toBe(200);
      }
      child.kill('SIGUSR2');
      await until(() => out.split('print this again').length === 3);
      expect(out.match(/admin key: sk-admin-\S+/g)).toEqual([`admin key: ${key}`, `admin key: ${key}`]);
      // Not one JSON request-log line among what a person reads.
      expect(out.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    }
  }, 120_000);
});
