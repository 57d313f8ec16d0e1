/**
 * `orgledger logs --follow --url`: against orgledger it streams the live tail (with a polling interval
 * of an hour, only the stream can show new events), listing first without a gap or a repeat; against
 * a server without the live tail (404, like OpenAI's) it falls back to polling.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const CHILD = fileURLToPath(new URL('../helpers/cli-child.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'orgledger-follow-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A `logs --follow --json` child; lines() is what it printed so far. */
function followChild(args: string[]) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ORGLEDGER_') && k !== 'OPENAI_ADMIN_KEY') env[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'logs', '--follow', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; type: string });
  const until = async (what: string, done: () => boolean) => {
    for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
    if (!done()) throw new Error(`logs --follow never printed ${what}; stdout: ${out} stderr: ${err}`);
  };
  return { child, lines, until, exited, stderr: () => err };
}

describe('logs --follow against orgledger', () => {
  let serve: ServeChild;
  const secret = testSecret('follow');
  beforeAll(async () => {
    serve = await startServeChild(['--data', join(root, 'served')], { ORGLEDGER_ADMIN_KEY: secret });
  });
  afterAll(async () => {
    await serve?.kill();
  });

  it('prints the recent events, then each new one once, in order, from the live tail', async () => {
    const post = async (ids: string[]) => {
      const res = await fetch(`${serve.url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data: ids.map((id) => ({ id, type: 'user.added', 'user.added': { id } })) }),
      });
      expect(res.status).toBe(200);
    };
    await post(['old_1', 'old_2']);
    const f = followChild(['--url', serve.url, '--key', secret, '--interval', '3600', '--type', 'user.added']);
    await f.until('the recent events', () => f.lines().length >= 2);
    await post(['new_1', 'new_2']);
    await post(['new_3']);
    await f.until('the new events', () => f.lines().length >= 5);
    expect(f.lines().map((e) => e.id)).toEqual(['old_1', 'old_2', 'new_1', 'new_2', 'new_3']);
    f.child.kill('SIGTERM');
    expect(await f.exited).toBe(0);
  }, 90_000);

  it('a bad key is an error, not a silent fallback', async () => {
    const f = followChild(['--url', serve.url, '--key', 'sk-admin-wrong-key-0000000000000000000000']);
    expect(await f.exited).not.toBe(0);
    expect(f.stderr()).toMatch(/401/);
  }, 60_000);
});

describe('logs --follow against a server without the live tail', () => {
  let server: Server;
  let url: string;
  const event = (id: string) => ({ id, type: 'user.added', effective_at: 1_790_000_000, 'user.added': { id } });
  let newer: ReturnType<typeof event>[] = [];
  let streamRequests = 0;
  beforeAll(async () => {
    // Answers like OpenAI: the list endpoint, and 404 for anything else.
    server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'application/json');
      if (u.pathname === '/v1/organization/audit_logs') {
        const data = u.searchParams.get('before') ? [...newer].reverse() : [event('first')];
        if (u.searchParams.get('before')) newer = [];
        res.end(JSON.stringify({ object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false }));
        return;
      }
      if (u.pathname.endsWith('/stream')) streamRequests++;
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { message: 'Unrecognized request URL', type: 'invalid_request_error', param: null, code: null } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('polls instead', async () => {
    const f = followChild(['--url', url, '--key', 'sk-admin-anything-00000000000000000000', '--interval', '1']);
    await f.until('the first event', () => f.lines().length >= 1);
    newer = [event('second')];
    await f.until('the polled event', () => f.lines().length >= 2);
    expect(f.lines().map((e) => e.id)).toEqual(['first', 'second']);
    expect(streamRequests).toBe(1);
    f.child.kill('SIGTERM');
    expect(await f.exited).toBe(0);
  }, 60_000);
});
