/**
 * Issue 10, CLI correctness: every usage error is printed with a help hint, local queries are
 * validated like the API's, --org by id or unique name, keys over --url, NDJSON --json, a repeated
 * demo reports nothing new, a closed stdout ends the command quietly, follow stops on SIGHUP.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliJson, cliNdjson, runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const CHILD = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));
const END = '2026-06-30T18:00:00Z';
const root = mkdtempSync(join(tmpdir(), 'orgledger-cli-fix-'));
const data = join(root, 'store');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the demo store', () => {
  let first: any;
  beforeAll(async () => {
    first = await cliJson(['demo', '--days', '2', '--people', '10', '--end', END, '--data', data]);
  }, 120_000);

  it('a second demo on the same store reports 0 new events', async () => {
    expect(first.new_events).toBe(first.events);
    const again = await runCli(['demo', '--days', '2', '--people', '10', '--end', END, '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`(0 new, ${first.events.toLocaleString('en-US')} already present)`);
  });

  it.each([
    [['usage', 'complet'], /unknown usage kind 'complet'.*run 'orgledger usage --help'/],
    [['costs', '--model', 'gpt-4o'], /unknown option '--model'.*run 'orgledger costs --help'/],
    [['costs', '--user', 'user_1'], /unknown option '--user'/],
    [['export', 'widgets'], /widgets.*run 'orgledger export --help'/],
    [['export', 'usage', '--kind', 'foo'], /unknown usage kind 'foo'/],
    [['export', 'logs', '--format', 'focus'], /focus is for costs/],
    [['usage', 'completions', '--group-by', 'size'], /'group_by\[0\]'.*\(param: group_by\[0\]\)/],
    [['costs', '--group-by', 'model'], /'group_by\[0\]'.*"line_item"/],
    [['logs', '--type', 'login.faild'], /did you mean login\.failed\?/],
    [['logs', '--since', '1d', '--until', '7d'], /--since .* must be before --until/],
    [['costs', '--since', '1d', '--until', '3d'], /--since .* must be before --until/],
    [['logs', '--org', 'No Such Org'], /--org 'No Such Org': no organization/],
  ] as [string[], RegExp][])('%j: exit 2 and one line on stderr', async (args, pattern) => {
    const r = await runCli([...args, '--data', data]);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stdout).toBe('');
  });

  it('logs says how many it showed and how to see more', async () => {
    const r = await runCli(['logs', '--limit', '3', '--data', data]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('3 shown, more match: raise --limit or use --all\n');
    const all = await runCli(['logs', '--all', '--data', data]);
    expect(all.stderr).toBe('');
  });

  it('--org takes an id or a unique name; a duplicate name is refused, an ambiguous one fails', async () => {
    const acme = await cliJson(['orgs', 'create', '--name', 'Acme', '--data', data]);
    const dup = await runCli(['orgs', 'create', '--name', 'Acme', '--data', data]);
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/already exists/);
    const byName = await cliNdjson(['keys', 'list', '--org', 'Acme', '--data', data]);
    const byId = await cliNdjson(['keys', 'list', '--org', acme.organization.id, '--data', data]);
    expect(byName.map((k) => k.id)).toEqual([acme.admin_key.id]);
    expect(byId).toEqual(byName);
    const demo = await cliJson(['demo', '--days', '1', '--people', '5', '--end', END, '--org', 'Acme', '--data', data]);
    expect(demo.organization).toBe(acme.organization.id);
    const logs = await cliNdjson(['logs', '--org', 'Acme', '--limit', '1', '--data', data]);
    expect(logs).toHaveLength(1);
    const unknownKeys = await runCli(['keys', 'list', '--org', 'org-nope', '--data', data]);
    expect(unknownKeys.code).toBe(2);
    expect(unknownKeys.stderr.trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('orgs list --json is NDJSON', async () => {
    const r = await runCli(['orgs', 'list', '--json', '--data', data]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(JSON.parse(l).id).toMatch(/^org-/);
  });
});

describe('keys over --url', () => {
  const secret = testSecret('keys-url');
  let serve: ServeChild;
  beforeAll(async () => {
    serve = await startServeChild(['--data', join(root, 'served')], { ORGLEDGER_ADMIN_KEY: secret });
  });
  afterAll(async () => {
    await serve?.kill();
  });

  it('create, list and revoke through /v1/organization/admin_api_keys', async () => {
    const remote = ['--url', serve.url, '--key', secret];
    const created = await cliJson(['keys', 'create', '--name', 'remote', '--scopes', 'audit_logs.read', ...remote]);
    expect(created.value).toMatch(/^sk-admin-/);
    expect(created.scopes).toEqual(['audit_logs.read']);
    expect((await cliNdjson(['keys', 'list', ...remote])).map((k) => k.id)).toContain(created.id);
    expect((await serve.client(created.value).admin.organization.auditLogs.list()).data).toBeDefined();
    await cliJson(['keys', 'revoke', created.id, ...remote]);
    expect((await cliNdjson(['keys', 'list', ...remote])).map((k) => k.id)).not.toContain(created.id);
    const withOrg = await runCli(['keys', 'list', '--org', 'x', ...remote]);
    expect(withOrg.code).toBe(2);
  }, 120_000);
});

describe('process hygiene', () => {
  it('a stdout closed early (| head) ends the command quietly', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'export', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).not.toMatch(/EPIPE/);
    expect(code).toBe(0);
  });

  it('logs --follow stops cleanly on SIGHUP', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'logs', '--follow', '--interval', '3600', '--json', '--data', data], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    for (let i = 0; i < 300 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('"effective_at":');
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    child.kill('SIGHUP');
    expect(await exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
