/**
 * Two `orgledger serve` processes on one PostgreSQL store, sharing one ledger key file, ingesting into
 * one organization at once while both sign checkpoints: one tree, no fork. `orgledger verify
 * --database-url` then passes (every stored checkpoint, whichever process signed it, verifies against
 * the one recomputed tree) and both processes serve the same root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type ServeChild, startServeChild } from '../helpers/cli.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';

const ADMIN_KEY = 'sk-admin-ledger-processes-test-secret-01';
const dir = mkdtempSync(join(tmpdir(), 'orgledger-ledger-procs-'));
const keyFile = join(dir, 'ledger-key.pem');
const env = { ORGLEDGER_ADMIN_KEY: ADMIN_KEY, ORGLEDGER_LEDGER_KEY_FILE: keyFile, ORGLEDGER_LEDGER_CHECKPOINT_MS: '20' };

async function call(url: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

if (!PG_TEST_URL) {
  describe.skip(`ledger with several processes on one PostgreSQL (${PG_SKIP_MESSAGE})`, () => {
    it('is skipped', () => undefined);
  });
} else {
  describe('ledger with several processes on one PostgreSQL', () => {
    let db: TestDatabase;
    const servers: ServeChild[] = [];
    beforeAll(async () => {
      db = await freshTestDatabase();
      // The first start creates the key file; the second reads it (the documented way to share it).
      servers.push(await startServeChild(['--database-url', db.url], env));
      servers.push(await startServeChild(['--database-url', db.url], env));
    }, 120_000);
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.kill('SIGTERM')));
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    }, 60_000);

    it('two processes ingesting at once: one tree, every checkpoint verifies, verify passes', async () => {
      const clients = servers.flatMap((s, p) =>
        Array.from({ length: 3 }, async (_, c) => {
          for (let r = 0; r < 5; r++)
            await call(s.url, 'POST', '/v1/organization/audit_logs', {
              data: Array.from({ length: 20 }, (_, e) => ({ id: `evt_p${p}_c${c}_r${r}_e${e}`, type: 'login.succeeded' })),
            });
        }),
      );
      await Promise.all(clients);
      const total = 2 * 3 * 5 * 20;
      // Both processes' checkpointers sign; wait until each serves a checkpoint covering every event.
      const roots: string[] = [];
      for (const s of servers) {
        for (;;) {
          const audit = (await call(s.url, 'GET', '/v1/organization/ledger')).logs.find((l: { name: string }) => l.name === 'audit');
          if (audit.tree_size === total) {
            roots.push(audit.root_hash);
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      expect(roots[0]).toBe(roots[1]);
      const [checkpoints] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM ledger_checkpoints WHERE org_id = 'org-default'");
      expect(checkpoints?.n).toBeGreaterThan(1);
      const verified = await runCli(['verify', '--database-url', db.url, '--key-file', keyFile]);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/: ok\n$/);
    }, 120_000);
  });
}
