/**
 * Several orgledger PROCESSES on one PostgreSQL database, as behind a load balancer: started together
 * they migrate and bootstrap once; ingesting into one organization at once they produce dense
 * sequence numbers and store every acknowledged event exactly once. Plus the start-up failures an
 * operator meets: a database that does not answer, one that refuses us.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { runCli, type ServeChild, startServeChild } from '../helpers/cli.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';

const PROCESSES = 4;
const CLIENTS_PER_PROCESS = 4;
const REQUESTS_PER_CLIENT = 12;
const EVENTS_PER_REQUEST = 25;
const ADMIN_KEY = 'sk-admin-multi-process-test-secret-0001';

/** An event whose content follows from its id alone, so a retry with the same id is the same event. */
const event = (id: string) => {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 100_003;
  return { id, type: 'project.created', effective_at: 1_700_000_000 + h, 'project.created': { id: `proj_${h}`, data: { name: id } } };
};

async function post(url: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/v1/organization/audit_logs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

if (!PG_TEST_URL) {
  console.log(`PostgreSQL multi-process tests: ${PG_SKIP_MESSAGE}`);
  describe.skip(`orgledger processes on one PostgreSQL (${PG_SKIP_MESSAGE})`, () => {
    it('is skipped', () => undefined);
  });
} else {
  describe('orgledger processes on one PostgreSQL', () => {
    let db: TestDatabase;
    let servers: ServeChild[] = [];
    beforeAll(async () => {
      db = await freshTestDatabase();
      // Started together on an empty database: each migrates under the advisory lock and ensures the same bootstrap key.
      servers = await Promise.all(Array.from({ length: PROCESSES }, () => startServeChild(['--database-url', db.url], { ORGLEDGER_ADMIN_KEY: ADMIN_KEY })));
    }, 120_000);
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.kill('SIGTERM')));
      await db?.drop();
    }, 60_000);

    it('started together, migrated once and created one organization and one bootstrap key', async () => {
      expect(await db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(postgresMigrations.map((m) => ({ version: m.version })));
      expect(await db.query('SELECT id FROM organizations')).toEqual([{ id: 'org-default' }]);
      expect(await db.query('SELECT count(*)::int AS n FROM admin_keys')).toEqual([{ n: 1 }]);
    });

    it(`${PROCESSES} processes ingesting into one organization: dense seqs, every acknowledged event exactly once`, async () => {
      const acknowledged = new Set<string>();
      let retriedIds = 0;
      const client = async (server: ServeChild, p: number, c: number) => {
        for (let r = 0; r < REQUESTS_PER_CLIENT; r++) {
          const ids = Array.from({ length: EVENTS_PER_REQUEST }, (_, e) => `evt_p${p}_c${c}_r${r}_e${e}`);
          // Every third request repeats the previous request's first id, sent to the next process: an idempotent retry racing across processes.
          if (r > 0 && r % 3 === 0) {
            ids[0] = `evt_p${(p + PROCESSES - 1) % PROCESSES}_c${c}_r${r - 1}_e0`;
            retriedIds++;
          }
          const res = await post(server.url, { data: ids.map(event) });
          expect(res.status, JSON.stringify(res.body)).toBe(200);
          expect(res.body.data.map((d: { id: string }) => d.id)).toEqual(ids);
          for (const id of ids) acknowledged.add(id);
        }
      };
      await Promise.all(servers.flatMap((s, p) => Array.from({ length: CLIENTS_PER_PROCESS }, (_, c) => client(s, p, c))));
      expect(retriedIds).toBeGreaterThan(0);

      const rows = await db.query<{ id: string; seq: number }>("SELECT id, seq::int AS seq FROM audit_events WHERE org_id = 'org-default' ORDER BY seq");
      const n = rows.length;
      expect(n).toBe(acknowledged.size);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(new Set(rows.map((r) => r.id))).toEqual(acknowledged);
      const [counter] = await db.query<{ audit_seq: number }>("SELECT audit_seq::int AS audit_seq FROM organizations WHERE id = 'org-default'");
      expect(counter?.audit_seq).toBe(n);
      const [ids] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_event_ids WHERE org_id = 'org-default'");
      expect(ids?.n).toBe(n);
    }, 120_000);
  });

  describe('start-up against a database that is not usable', () => {
    it('a database that does not answer is waited for with one clear line, then the start fails', async () => {
      const r = await runCli(['serve', '--port', '0', '--database-url', 'postgres://orgledger@127.0.0.1:1/orgledger'], {
        ORGLEDGER_PG_CONNECT_WAIT_SECONDS: '1',
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/waiting for PostgreSQL at 127\.0\.0\.1:1\/orgledger .*retrying for up to 1 s/);
      expect(r.stderr).toMatch(/PostgreSQL at 127\.0\.0\.1:1\/orgledger did not answer within 1 s/);
    }, 60_000);

    it('a database that refuses us (unknown role) fails at once with one line, exit 2', async () => {
      const url = new URL(PG_TEST_URL as string);
      url.username = 'no_such_role_orgledger';
      url.password = 'secret-password';
      const r = await runCli(['serve', '--port', '0', '--database-url', url.toString()]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^orgledger: PostgreSQL at .* refused the connection: .*no_such_role_orgledger/);
      expect(r.stderr).not.toContain('secret-password');
    }, 60_000);

    it('a malformed URL fails at once with one line, exit 2', async () => {
      const r = await runCli(['serve', '--port', '0', '--database-url', 'postgres://user@:bad:port/db']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/^orgledger: --database-url is not a valid PostgreSQL URL/);
    }, 60_000);
  });
}
