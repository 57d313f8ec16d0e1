/**
 * The README quickstart on a fresh clone: `git clone`, `npm ci`, `npm start`; the printed admin key
 * works and the demo data is served. Slow (npm ci compiles the SQLite driver), so it runs only with
 * ORGLEDGER_TEST_FRESH_CLONE=1 (CI sets it); it clones the committed HEAD of this checkout.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Asynchronous: a synchronous npm ci would block the test worker for minutes and time out its RPC.
const run = promisify(execFile);

describe.runIf(process.env.ORGLEDGER_TEST_FRESH_CLONE === '1')('README quickstart on a fresh clone', () => {
  it('npm ci && npm start serves the demo with the printed key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgledger-clone-'));
    const clone = join(dir, 'orgledger');
    try {
      await run('git', ['clone', '--quiet', ROOT, clone]);
      await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: clone, maxBuffer: 64 * 1024 * 1024 });
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ORGLEDGER_')) env[k] = v;
      const child = spawn('npm', ['start'], {
        cwd: clone,
        env: { ...env, ORGLEDGER_PORT: '0', ORGLEDGER_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      try {
        for (let i = 0; i < 1200 && !/CLI:/.test(out); i++) await new Promise((r) => setTimeout(r, 100));
        const url = /orgledger listening on (http:\/\/\S+)/.exec(out)?.[1] as string;
        const key = /admin key: (sk-admin-\S+)/.exec(out)?.[1] as string;
        expect(url).toBeTruthy();
        expect(key).toBeTruthy();
        expect(out).toMatch(/demo: [\d,]+ audit events of 149 types/);
        expect(out).toContain(`curl -s -H "Authorization: Bearer ${key}"`);
        const client = new OpenAI({ adminAPIKey: key, apiKey: 'unused', baseURL: `${url}/v1`, maxRetries: 0 });
        const page = await client.admin.organization.auditLogs.list({ limit: 10 });
        expect(page.data).toHaveLength(10);
      } finally {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});
