/**
 * `orgledger verify` spawned like a user runs it: the remote auditor (`--url --state --full`) passing,
 * then catching a rollback and a fork served by a second server that holds the same key but a copy
 * of the store taken earlier; and `verify --data` exiting 1 on a store changed behind its back.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-cli-ledger-'));
const dataA = join(root, 'a');
const dataB = join(root, 'b');
const state = join(root, 'auditor-state.json');
const secret = testSecret('ledger');
const env = { ORGLEDGER_ADMIN_KEY: secret, ORGLEDGER_LEDGER_CHECKPOINT_MS: '20' };
const running: ServeChild[] = [];
afterAll(async () => {
  for (const s of running) await s.kill();
  rmSync(root, { recursive: true, force: true });
});

async function serve(data: string): Promise<ServeChild> {
  const s = await startServeChild(['--data', data], env);
  running.push(s);
  return s;
}

async function api(s: ServeChild, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Ingests events and waits until a signed checkpoint covers every audit event of the organization. */
async function ingestAndCheckpoint(s: ServeChild, prefix: string, n: number): Promise<number> {
  await api(s, 'POST', '/v1/organization/audit_logs', { data: Array.from({ length: n }, (_, i) => ({ id: `evt_${prefix}${i}`, type: 'login.succeeded' })) });
  const events = (await api(s, 'GET', '/v1/organization/audit_logs?limit=100')).data.length as number;
  for (;;) {
    const audit = (await api(s, 'GET', '/v1/organization/ledger')).logs.find((l: { name: string }) => l.name === 'audit');
    if (audit.tree_size === events) return events;
    await new Promise((r) => setTimeout(r, 20));
  }
}

const audit = (s: ServeChild, vkey: string, ...extra: string[]) =>
  runCli(['verify', '--url', s.url, '--key', secret, '--vkey', vkey, '--state', state, ...extra]);

describe('orgledger verify', () => {
  it('remote auditor: ok and consistent, then a rollback and a fork by a server with the same key are exit 1', async () => {
    let a = await serve(dataA);
    await ingestAndCheckpoint(a, 'common', 3);
    await a.kill();
    // B starts from a copy of A's store taken now: same key file, same organization, same admin key.
    cpSync(dataA, dataB, { recursive: true });
    a = await serve(dataA);
    const vkey = (await api(a, 'GET', '/v1/organization/ledger')).verifier_key as string;
    const sizeA = await ingestAndCheckpoint(a, 'a', 4);

    const first = await audit(a, vkey, '--full');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`/org-default/audit: tree size ${sizeA}, first seen, all leaves rehashed: ok`));
    expect(Object.keys(JSON.parse(readFileSync(state, 'utf8')).logs)).toContain('orgledger.local/org-default/audit');
    const sizeA2 = await ingestAndCheckpoint(a, 'a2', 2);
    const second = await audit(a, vkey, '--full');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`audit: tree size ${sizeA2}, consistent with ${sizeA}`);

    const foreign = vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    const wrongKey = await runCli(['verify', '--url', a.url, '--key', secret, '--vkey', foreign]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stdout).toContain('audit: checkpoint signature');

    const b = await serve(dataB);
    const rollback = await audit(b, vkey);
    expect(rollback.code).toBe(1);
    expect(rollback.stdout).toMatch(new RegExp(`/org-default/audit: rollback: tree size \\d+ is smaller than the ${sizeA2} seen before`));
    expect(rollback.stdout).toContain('state file left unchanged');

    // B's log grows past A's with other events: a valid signature over a tree that does not extend A's.
    await ingestAndCheckpoint(b, 'b', 8);
    const fork = await audit(b, vkey);
    expect(fork.code).toBe(1);
    expect(fork.stdout).toMatch(new RegExp(`/org-default/audit: fork: the consistency proof from tree size ${sizeA2} to \\d+ does not verify`));
    // The auditor still holds A's checkpoint, so A itself still passes.
    expect((await audit(a, vkey)).code).toBe(0);

    const noKey = await runCli(['verify', '--url', a.url, '--vkey', vkey]);
    expect(noKey.code).toBe(2);
  }, 120_000);

  it('verify --data: exit 0 on an intact store, exit 1 naming the leaf on a changed row', async () => {
    for (const s of running) await s.kill();
    const intact = await runCli(['verify', '--data', dataA]);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/: ok\n$/);
    const db = new Database(join(dataA, 'orgledger.sqlite'));
    db.exec("UPDATE audit_events SET body = replace(body, 'login.succeeded', 'login.succeedeD') WHERE org_id = 'org-default' AND seq = 2");
    db.close();
    const tampered = await runCli(['verify', '--data', dataA]);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/organization org-default, log audit, leaf 1, record evt_common\d: /);
  }, 60_000);
});
