/**
 * A damaged or foreign SQLite file is noticed: serve refuses to start on a file whose pages are
 * garbled (quick_check) or that is another program's database; with the check skipped, the failing
 * store answers 503 in the OpenAI envelope (not 500) and /readyz says why. Spawned `serve` processes.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeChild, testSecret } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-damaged-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const secret = testSecret('damaged');
const data = join(root, 'data');
const file = join(data, 'orgledger.sqlite');

async function refusal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const err = await startServeChild(args, env).then(
    async (s) => {
      await s.kill();
      throw new Error('serve started');
    },
    (e: Error) => e,
  );
  expect(err.message).toMatch(/^serve exited \(1\) before listening/);
  return err.message;
}

beforeAll(async () => {
  // A store with enough audit events that their table's root page is an interior page of its own.
  const serve = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: secret });
  try {
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 1000 }, (_, i) => ({ type: 'login.succeeded', effective_at: 1_700_000_000 + batch * 1000 + i }));
      const res = await fetch(`${serve.url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data: events }),
      });
      expect(res.status).toBe(200);
    }
  } finally {
    await serve.kill();
  }
  // Garble the root page of audit_events (the organizations and keys pages stay intact).
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'audit_events'").get() as { rootpage: number };
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  expect(statSync(file).size).toBeGreaterThan(rootpage * pageSize);
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, (rootpage - 1) * pageSize);
  closeSync(fd);
  // Three spawned starts and 3,000 events: seconds alone, but CI runs this beside the fresh-clone
  // install and the browser tests on two cores, where one run took over 60 s.
}, 180_000);

describe('a damaged store', () => {
  it('stops the start with one line naming the file', async () => {
    const message = await refusal(['--data', data], { ORGLEDGER_ADMIN_KEY: secret });
    expect(message).toContain(`orgledger: the store at ${file} is damaged`);
    expect(message).toContain('ORGLEDGER_SQLITE_QUICK_CHECK=false');
  });

  it('with the check skipped: reads and writes answer 503 in the envelope, and /readyz says why', async () => {
    const serve = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: secret, ORGLEDGER_SQLITE_QUICK_CHECK: 'false' });
    try {
      const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
      const read = await fetch(`${serve.url}/v1/organization/audit_logs?limit=5`, { headers });
      expect(read.status).toBe(503);
      expect(read.headers.get('x-should-retry')).toBe('true');
      const body = (await read.json()) as any;
      expect(body.error).toMatchObject({ type: 'server_error', code: 'unavailable', param: null });
      expect(body.error.message).toContain('the database file is damaged (SQLITE_CORRUPT');

      const write = await fetch(`${serve.url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ data: [{ type: 'login.failed' }] }),
      });
      expect(write.status).toBe(503);

      const ready = await fetch(`${serve.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as any).error.message).toContain('The store is failing: the database file is damaged');
    } finally {
      await serve.kill();
    }
  });
});

describe('a foreign SQLite database', () => {
  it('with tables but no schema_migrations is refused, not adopted', async () => {
    const dir = join(root, 'foreign');
    mkdirSync(dir);
    const path = join(dir, 'app.sqlite');
    const db = new Database(path);
    db.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada')");
    db.close();
    const message = await refusal(['--database-url', path]);
    expect(message).toContain(`${path} is a SQLite database but not an orgledger store`);
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual([{ name: 'customers' }]);
    after.close();
  });

  it('with schema versions this orgledger does not know is refused', async () => {
    const path = join(root, 'future.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(1, 'x', 0);
    db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(999, 'from the future', 0);
    db.close();
    const message = await refusal(['--database-url', path]);
    expect(message).toContain('schema versions this orgledger does not know (999)');
  });
});
