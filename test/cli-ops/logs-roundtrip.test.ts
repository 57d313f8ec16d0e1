/**
 * A log export is a backup: exported from the demo, imported into an empty store (SQLite and
 * PostgreSQL) and exported again it is the same file, tenant-scoped events included; importing an
 * export into the store it came from is a replay, also for events that were stored without a client id.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliJson, runCli } from '../helpers/cli.js';
import { freshTestDatabase, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';

const END = '2026-06-30T18:00:00Z';
const lines = (text: string) => text.trimEnd().split('\n').filter(Boolean);

let root: string;
let demo: string;
let full: string;
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'orgledger-roundtrip-'));
  demo = join(root, 'demo');
  await cliJson(['demo', '--days', '3', '--people', '20', '--seed', '5', '--end', END, '--data', demo]);
  full = join(root, 'full.jsonl');
  const ex = await runCli(['export', 'logs', '--data', demo, '-o', full]);
  expect(ex.code).toBe(0);
}, 120_000);

afterAll(async () => {
  for (const db of dbs) await db.drop();
  rmSync(root, { recursive: true, force: true });
});

it('export logs writes every event, tenant-scoped ones included; --no-tenant leaves them out', async () => {
  const all = lines(readFileSync(full, 'utf8')).map((l) => JSON.parse(l));
  const orgOnly = lines((await runCli(['logs', '--data', demo, '--all', '--json'])).stdout);
  const tenantOnly = lines((await runCli(['logs', '--data', demo, '--all', '--json', '--tenant'])).stdout);
  expect(tenantOnly.length).toBeGreaterThan(0);
  expect(all).toHaveLength(orgOnly.length + tenantOnly.length);
  const times = all.map((e) => e.effective_at);
  expect([...times].sort((a, b) => b - a)).toEqual(times);
  const noTenant = await runCli(['export', 'logs', '--data', demo, '--no-tenant']);
  expect(lines(noTenant.stdout)).toEqual(orgOnly);
  const onlyTenant = await runCli(['export', 'logs', '--data', demo, '--tenant']);
  expect(lines(onlyTenant.stdout)).toEqual(tenantOnly);
  const none = await runCli(['export', 'logs', '--data', demo, '--tenant', '--type', 'login.failed']);
  expect(none.code).not.toBe(0);
  expect(none.stderr).toContain('--tenant exports only tenant-scoped events');
});

const engines: [string, () => Promise<string[]>][] = [['sqlite', async () => ['--data', join(root, `empty-${Math.random().toString(36).slice(2)}`)]]];
if (PG_TEST_URL)
  engines.push([
    'postgres',
    async () => {
      const db = await freshTestDatabase();
      dbs.push(db);
      return ['--database-url', db.url];
    },
  ]);

describe.each(engines)('on %s', (_engine, emptyStore) => {
  it('export -> import into an empty store -> export gives the same file; a re-import is a replay', async () => {
    const store = await emptyStore();
    const n = lines(readFileSync(full, 'utf8')).length;
    expect(await cliJson(['import', 'logs', full, ...store])).toEqual({ read: n, imported: n, already_present: 0, rejected: [] });
    const back = await runCli(['export', 'logs', ...store]);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(readFileSync(full, 'utf8'));
    const again = await runCli(['import', 'logs', full, ...store]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`imported 0 new events, ${n.toLocaleString('en-US')} already present, 0 rejected`);
    expect(again.stdout).toContain('a replay');
  }, 120_000);

  it('re-importing its own export is a replay for events stored without a client id; other content under an id is still rejected', async () => {
    const store = await emptyStore();
    const sent = join(root, `no-ids-${Math.random().toString(36).slice(2)}.jsonl`);
    const actor = { type: 'session', session: { user: { id: 'user-1', email: 'a@b.example' }, ip_address: '10.0.0.1' } };
    writeFileSync(
      sent,
      [
        JSON.stringify({ type: 'login.succeeded', actor }),
        JSON.stringify({ type: 'login.failed', effective_at: 1782800000, actor }),
        JSON.stringify({ id: 'audit_client_1', type: 'logout.succeeded', actor }),
        JSON.stringify({ type: 'tenant.user.added', effective_at: 1782800100 }),
      ].join('\n'),
    );
    expect((await cliJson(['import', 'logs', sent, ...store])).imported).toBe(4);
    const exported = join(root, `own-${Math.random().toString(36).slice(2)}.jsonl`);
    expect((await runCli(['export', 'logs', ...store, '-o', exported])).code).toBe(0);
    const events = lines(readFileSync(exported, 'utf8'));
    expect(events).toHaveLength(4);
    expect(await cliJson(['import', 'logs', exported, ...store])).toEqual({ read: 4, imported: 0, already_present: 4, rejected: [] });

    const changed = join(root, `changed-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(
      changed,
      events
        .map((l) => JSON.parse(l))
        .map((e) =>
          JSON.stringify(
            e.type === 'login.failed'
              ? { ...e, effective_at: e.effective_at + 1 }
              : e.type === 'login.succeeded'
                ? { ...e, actor: { ...e.actor, session: { ...e.actor.session, ip_address: '10.0.0.2' } } }
                : e,
          ),
        )
        .join('\n'),
    );
    const report = await runCli(['import', 'logs', changed, ...store, '--json']);
    expect(report.code).toBe(1);
    const json = JSON.parse(report.stdout);
    expect(json.already_present).toBe(2);
    expect(json.rejected.map((x: { message: string }) => x.message)).toEqual([
      expect.stringContaining('already exists with different content'),
      expect.stringContaining('already exists with different content'),
    ]);
    expect((await runCli(['export', 'logs', ...store])).stdout).toBe(readFileSync(exported, 'utf8'));
  }, 120_000);
});
