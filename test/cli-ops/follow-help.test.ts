/** logs --follow against a running server, and --help with examples on every operator command. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli, startServeChild, testSecret } from '../helpers/cli.js';

const CHILD = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));

describe('logs --follow', () => {
  it('prints events ingested after it started, then stops cleanly on SIGTERM', async () => {
    const key = testSecret('follow');
    const data = mkdtempSync(join(tmpdir(), 'orgledger-follow-'));
    const server = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: key });
    const post = (id: string) =>
      fetch(`${server.url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data: [{ id, type: 'login.succeeded', 'login.succeeded': {} }] }),
      });
    try {
      await post('before-follow');
      const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'logs', '--url', server.url, '--key', key, '--follow', '--interval', '1', '--json'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const waitFor = async (text: string) => {
        for (let i = 0; i < 200 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
        expect(out).toContain(text);
      };
      await waitFor('"before-follow"');
      await post('after-follow-1');
      await post('after-follow-2');
      await waitFor('"after-follow-2"');
      const ids = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id);
      expect(ids).toEqual(['before-follow', 'after-follow-1', 'after-follow-2']);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      await server.kill();
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('--help', () => {
  it.each([['demo'], ['logs'], ['usage'], ['costs'], ['export'], ['import'], ['serve']])('%s --help shows examples and exits 0', async (cmd) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain(`orgledger ${cmd}`);
  });
});
