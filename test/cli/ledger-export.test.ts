/**
 * `orgledger export logs --with-checkpoint` then `orgledger verify --export` spawned like a user runs
 * them: the untouched export verifies offline; a changed byte, a dropped line and a wrong verifier key
 * are exit 1, naming the record.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-cli-ledger-export-'));
const secret = testSecret('ledger-export');
let server: ServeChild | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(root, { recursive: true, force: true });
});

async function api(s: ServeChild, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

describe('orgledger export --with-checkpoint / verify --export', () => {
  it('verifies offline, and catches a changed byte, a dropped record and a wrong key', async () => {
    server = await startServeChild(['--data', join(root, 'data')], { ORGLEDGER_ADMIN_KEY: secret, ORGLEDGER_LEDGER_CHECKPOINT_MS: '20' });
    await api(server, 'POST', '/v1/organization/audit_logs', {
      data: Array.from({ length: 6 }, (_, i) => ({ id: `evt_exp${i}`, type: 'login.succeeded' })),
    });
    const vkey = (await api(server, 'GET', '/v1/organization/ledger')).verifier_key as string;
    const file = join(root, 'audit.jsonl');
    const exported = await runCli(['export', 'logs', '--url', server.url, '--key', secret, '-o', file, '--with-checkpoint']);
    expect(exported.code, exported.stderr).toBe(0);
    const proof = JSON.parse(readFileSync(`${file}.ledger.json`, 'utf8'));
    expect(proof.complete).toBe(true);
    expect(proof.checkpoint).toMatch(/\/audit\n\d+\n/);

    const ok = await runCli(['verify', '--export', file, '--vkey', vkey]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/: ok\n$/);

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const victim = lines.findIndex((l) => l.includes('evt_exp3'));
    const changed = join(root, 'changed.jsonl');
    writeFileSync(changed, `${lines.map((l, i) => (i === victim ? l.replace('login.succeeded', 'login.succeedeX') : l)).join('\n')}\n`);
    const bad = await runCli(['verify', '--export', changed, '--checkpoint', `${file}.ledger.json`, '--vkey', vkey]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/record evt_exp3: not included under the checkpoint/);

    const dropped = join(root, 'dropped.jsonl');
    writeFileSync(dropped, `${lines.filter((_, i) => i !== victim).join('\n')}\n`);
    const gone = await runCli(['verify', '--export', dropped, '--checkpoint', `${file}.ledger.json`, '--vkey', vkey]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/record evt_exp3: missing from the export \(dropped\)/);

    // Dropping the record from the proof file too leaves a gap in a complete export.
    const proofless = join(root, 'proofless.json');
    writeFileSync(proofless, JSON.stringify({ ...proof, records: proof.records.filter((r: { id: string }) => r.id !== 'evt_exp3') }));
    const gap = await runCli(['verify', '--export', dropped, '--checkpoint', proofless, '--vkey', vkey]);
    expect(gap.code).toBe(1);
    expect(gap.stdout).toMatch(/missing from a complete export/);

    const otherKey = vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    const wrong = await runCli(['verify', '--export', file, '--vkey', otherKey]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/checkpoint: /);

    const usage = await runCli(['verify', '--export', file]);
    expect(usage.code).toBe(2);
  }, 120_000);
});
