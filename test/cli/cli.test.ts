/**
 * The real command line (from source): orgs and keys with --json, bad values (exit 2, one line on
 * stderr), and key changes made by the CLI while a server runs on the same store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliJson, cliNdjson, runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';
import { contractViolations } from '../helpers/contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('orgs and keys commands', () => {
  const data = tempDir();

  it('orgs create/list, keys create/list/revoke with --json', async () => {
    const created = await cliJson(['orgs', 'create', '--name', 'Acme Research', '--data', data]);
    expect(created.organization).toMatchObject({ name: 'Acme Research' });
    expect(created.organization.id).toMatch(/^org-/);
    expect(created.admin_key.value).toMatch(/^sk-admin-/);
    expect(created.admin_key.redacted_value).toBe(`sk-admin...${created.admin_key.value.slice(-3)}`);
    const orgId: string = created.organization.id;

    const orgs = await cliNdjson(['orgs', 'list', '--data', data]);
    expect(orgs.map((o: any) => o.id)).toContain(orgId);
    expect(orgs.find((o: any) => o.id === orgId)).toMatchObject({ name: 'Acme Research' });

    const key = await cliJson(['keys', 'create', '--name', 'gateway', '--org', orgId, '--scopes', 'audit_logs.write,usage.write', '--data', data]);
    expect(key.scopes).toEqual(['audit_logs.write', 'usage.write']);
    expect(key.value).toMatch(/^sk-admin-/);
    expect(key.name).toBe('gateway');

    const listed = await cliNdjson(['keys', 'list', '--org', orgId, '--data', data]);
    expect(listed.map((k: any) => k.id).sort()).toEqual([created.admin_key.id, key.id].sort());
    expect(JSON.stringify(listed)).not.toContain(key.value);

    const revoked = await cliJson(['keys', 'revoke', key.id, '--org', orgId, '--data', data]);
    expect(revoked).toEqual({ id: key.id, object: 'organization.admin_api_key.deleted', deleted: true });
    const after = await cliNdjson(['keys', 'list', '--org', orgId, '--data', data]);
    expect(after.map((k: any) => k.id)).toEqual([created.admin_key.id]);

    // revoking an unknown key fails with exit 1 and one line
    const again = await runCli(['keys', 'revoke', key.id, '--org', orgId, '--data', data]);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the human-readable forms print a table and the secret once', async () => {
    const r = await runCli(['keys', 'create', '--name', 'human', '--data', data, '--org', (await cliNdjson(['orgs', 'list', '--data', data]))[0].id]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sk-admin-[A-Za-z0-9]+/);
    const list = await runCli(['orgs', 'list', '--data', data]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^Id\s+Name\s+Created at/);
  });
});

describe('bad flags and configuration values: exit code 2', () => {
  const data = tempDir();
  it.each([
    [['serve', '--port', 'abc', '--data', data], {}, /port/i],
    [['serve', '--data', data], { ORGLEDGER_PORT: 'eighty' }, /ORGLEDGER_PORT/],
    [['serve', '--log-level', 'loud', '--data', data], {}, /log-level/i],
    [['serve', '--data', data], { ORGLEDGER_ADMIN_KEY: 'short' }, /ORGLEDGER_ADMIN_KEY/],
    [['keys', 'list', '--data', data], { ORGLEDGER_SQLITE_SYNCHRONOUS: 'sometimes' }, /ORGLEDGER_SQLITE_SYNCHRONOUS/],
  ] as [string[], Record<string, string>, RegExp][])('%j %j: one line on stderr', async (args, env, pattern) => {
    const r = await runCli(args, env);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(r.stdout).toBe('');
  });

  it('usage errors (unknown flag, bad scope) exit 2 with the problem first', async () => {
    for (const [args, pattern] of [
      [['serve', '--bogus'], /unknown option/],
      [['keys', 'create', '--name', 'x', '--scopes', 'root', '--data', data], /unknown scope 'root'/],
    ] as [string[], RegExp][]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(pattern);
    }
  });
});

describe('the CLI on the store of a running server', () => {
  const data = tempDir();
  const secret = testSecret('cli');
  let serve: ServeChild;
  beforeAll(async () => {
    serve = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: secret });
  });
  afterAll(async () => {
    await serve?.kill('SIGTERM');
  });

  it('a key created by the CLI works at once; revoked by the CLI it gets 401 at once', async () => {
    const key = await cliJson(['keys', 'create', '--name', 'from-cli', '--data', data]);
    const page = await serve.client(key.value).admin.organization.auditLogs.list({ resource_ids: [key.id] });
    expect(page.data.map((e) => e.type)).toEqual(['api_key.created']);
    await cliJson(['keys', 'revoke', key.id, '--data', data]);
    await expect(serve.client(key.value).admin.organization.auditLogs.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    // the revocation is in the audit log, made by the operator service account
    const trail = await serve.client(secret).admin.organization.auditLogs.list({ resource_ids: [key.id] });
    expect(trail.data.map((e) => e.type)).toEqual(['api_key.deleted', 'api_key.created']);
    expect(trail.data[0]?.actor?.api_key?.service_account?.id).toBeTruthy();
    // ORGLEDGER_ADMIN_KEY still works
    expect((await serve.client(secret).admin.organization.adminAPIKeys.list()).data.length).toBeGreaterThan(0);
  });

  it('an organization created by the CLI can use the running server at once', async () => {
    const created = await cliJson(['orgs', 'create', '--name', 'Live', '--data', data]);
    const client = serve.client(created.admin_key.value);
    const keys = await client.admin.organization.adminAPIKeys.list();
    expect(keys.data.map((k) => k.id)).toEqual([created.admin_key.id]);
    expect((await client.admin.organization.auditLogs.list()).data).toEqual([]);
  });

  it('CLI key changes while the server ingests: no request fails, and the audit sequence stays dense', async () => {
    let stop = false;
    const statuses: number[] = [];
    const worker = async (w: number) => {
      for (let n = 0; !stop; n++) {
        const res = await fetch(`${serve.url}/v1/organization/audit_logs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ data: Array.from({ length: 20 }, (_, i) => ({ type: 'login.succeeded', project: { id: `w${w}-${n}-${i}` } })) }),
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
    };
    const load = Promise.all([0, 1].map(worker));
    try {
      const key = await cliJson(['keys', 'create', '--name', 'busy', '--data', data]);
      await cliJson(['keys', 'revoke', key.id, '--data', data]);
    } finally {
      stop = true;
      await load;
    }
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses)).toEqual(new Set([200]));
    const db = new Database(join(data, 'orgledger.sqlite'), { readonly: true });
    try {
      const seqs = (db.prepare("SELECT seq FROM audit_events WHERE org_id = 'org-default' ORDER BY seq").all() as { seq: number }[]).map((r) => r.seq);
      expect(seqs.length).toBeGreaterThan(20);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    } finally {
      db.close();
    }
  });

  it('SIGTERM shuts the server down cleanly (exit 0)', async () => {
    const other = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: secret });
    const res = await fetch(`${other.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await other.kill('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
