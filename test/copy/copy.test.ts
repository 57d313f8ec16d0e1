/**
 * `orgledger copy`, run as the real CLI in child processes on real stores: a SQLite store filled by
 * the demo and by HTTP writes, copied SQLite -> SQLite always and SQLite -> PostgreSQL -> SQLite when
 * ORGLEDGER_TEST_DATABASE_URL is set. Each copy must answer every API call as the source does, keep
 * every row, recognise replays of client ids and continue sequence numbers densely; an interrupted
 * copy must resume without doubling anything.
 */

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COPY_ENTITIES } from '../../src/store/copy.js';
import { cliJson, cliNdjson, runCli } from '../helpers/cli.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';
import { apiSnapshot, dumpTables, END_S, locationOf, makeSource, type Source, type StoreAt, serve, sql, sqliteAt } from './helpers.js';

const CRASH_ENV = 'ORGLEDGER_TEST_COPY_CRASH_AFTER_PAGES';

let root: string;
let srcDir: string;
let srcAt: StoreAt;
let source: Source;
let snapshots: { default: Record<string, unknown>; other: Record<string, unknown> };
let sourceKeys: { default: unknown; other: unknown };
let sourceRows: Record<string, unknown[]>;

const keysList = (at: StoreAt, org?: string) => cliNdjson(['keys', 'list', '--database-url', locationOf(at), ...(org ? ['--org', org] : [])]);

async function copy(from: string, to: string, extra: string[] = [], env: Record<string, string> = {}) {
  return runCli(['copy', '--from', from, '--to', to, ...extra], env);
}

async function expectCopied(from: string, to: string, extra: string[] = []) {
  const r = await copy(from, to, [...extra, '--json']);
  expect(r.stderr).not.toMatch(/differs/);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.ok).toBe(true);
  expect(report.check.every((c: { ok: boolean }) => c.ok)).toBe(true);
  return report;
}

function withoutKeyUse(tables: Record<string, unknown[]>): Record<string, unknown[]> {
  const keys = (tables.admin_keys ?? []) as Record<string, unknown>[];
  return { ...tables, admin_keys: keys.map(({ last_used_at: _, ...k }) => k) };
}

/** The copy holds the source's rows, answers the API as the source did, and keeps working as a store. */
async function expectSameAsSource(at: StoreAt) {
  expect(await dumpTables(at)).toEqual(sourceRows);
  expect(await keysList(at)).toEqual(sourceKeys.default);
  expect(await keysList(at, source.otherOrg)).toEqual(sourceKeys.other);
  const served = await serve(at);
  try {
    expect(await apiSnapshot(served, source.keyDefault)).toEqual(snapshots.default);
    expect(await apiSnapshot(served, source.keyOther)).toEqual(snapshots.other);

    // Replays of client ids: the same content is acknowledged, other content is a conflict.
    const post = (path: string, data: unknown[]) => served.request('POST', path, source.keyOther, { data });
    const [event, usage, cost] = [source.posted.events[3], source.posted.usage[5], source.posted.costs[2]] as Record<string, any>[];
    expect((await post('/v1/organization/audit_logs', source.posted.events)).status).toBe(200);
    expect((await post('/v1/organization/audit_logs', [{ ...event, effective_at: (event?.effective_at as number) - 1 }])).status).toBe(409);
    expect((await post('/v1/organization/usage/completions', source.posted.usage)).status).toBe(200);
    expect((await post('/v1/organization/usage/completions', [{ ...usage, output_tokens: 1 }])).status).toBe(409);
    expect((await post('/v1/organization/costs', source.posted.costs.slice(0, 4))).status).toBe(200);
    expect((await post('/v1/organization/costs', [{ ...cost, amount: { value: 99, currency: 'usd' } }])).status).toBe(409);
    // Serving refreshes last_used_at of the keys it authenticates (at most once a minute, so on a slow
    // run it can move): the rows are compared without it; the comparison before serving is exact.
    expect(withoutKeyUse(await dumpTables(at))).toEqual(withoutKeyUse(sourceRows));

    // The next event continues the organization's sequence densely.
    const [before] = await sql<{ audit_seq: number }>(at, "SELECT audit_seq FROM organizations WHERE id = 'org-default'");
    const posted = await served.request('POST', '/v1/organization/audit_logs', source.keyDefault, {
      data: [{ type: 'project.archived', actor: { type: 'session', session: { user: { id: 'user-x' } } }, 'project.archived': { id: 'proj_x' } }],
    });
    expect(posted.status).toBe(200);
    const [after] = await sql<{ n: number; max: number; seq: number }>(
      at,
      "SELECT count(*) AS n, max(seq) AS max, (SELECT audit_seq FROM organizations WHERE id = 'org-default') AS seq FROM audit_events WHERE org_id = 'org-default'",
    );
    expect(Number(after?.max)).toBe(Number(before?.audit_seq) + 1);
    expect(Number(after?.n)).toBe(Number(after?.max));
    expect(Number(after?.seq)).toBe(Number(after?.max));
  } finally {
    await served.close();
  }
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'orgledger-copy-'));
  srcDir = join(root, 'source');
  srcAt = sqliteAt(srcDir);
  source = await makeSource(srcDir);
  const served = await serve(srcAt);
  try {
    snapshots = { default: await apiSnapshot(served, source.keyDefault), other: await apiSnapshot(served, source.keyOther) };
  } finally {
    await served.close();
  }
  sourceKeys = { default: await keysList(srcAt), other: await keysList(srcAt, source.otherOrg) };
  sourceRows = await dumpTables(srcAt);
}, 180_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('orgledger copy between SQLite stores', () => {
  it('the source has what the copy must carry', () => {
    // ledger_checkpoints and ledger_prunes are signed by a running serve only; the source here is written without one.
    for (const table of Object.keys(sourceRows).filter((t) => t !== 'ledger_checkpoints' && t !== 'ledger_prunes'))
      expect(sourceRows[table]?.length, table).toBeGreaterThan(0);
    expect((sourceRows.admin_keys as { revoked_at: number | null }[]).some((k) => k.revoked_at !== null)).toBe(true);
    expect(new Set((sourceRows.organizations as { id: string }[]).map((o) => o.id)).size).toBe(2);
    // The compared answers are not empty.
    const results = (pages: unknown) => (pages as { data: { results: unknown[] }[] }[]).flatMap((p) => p.data.flatMap((b) => b.results));
    for (const name of ['usage:completions:grouped', 'usage:completions:1m', 'usage:vector_stores', 'costs'])
      expect(results(snapshots.default[name]).length, name).toBeGreaterThan(0);
    expect(results(snapshots.other.costs).length).toBeGreaterThan(0);
    expect((snapshots.other.logs as { data: unknown[] }[])[0]?.data).toHaveLength(30);
  });

  it('copies a data directory into a new one: same rows, same API answers, replays recognised, seq continues', async () => {
    const to = join(root, 'copy-dir');
    const report = await expectCopied(srcDir, to);
    expect(report.copied.audit_events).toBe(sourceRows.audit_events?.length);
    expect(report.check.map((c: { table: string; organization: string }) => `${c.table} ${c.organization}`)).toContain(`cost_entries ${source.otherOrg}`);
    await expectSameAsSource(sqliteAt(to));
  }, 120_000);

  it('prints the check as a table and takes a .sqlite file on either side', async () => {
    const to = join(root, 'file-copy', 'ledger.sqlite');
    const r = await copy(join(srcDir, 'orgledger.sqlite'), to);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Table\s+Organization\s+Source\s+Destination\s+Check$/);
    expect(lines).toHaveLength(1 + COPY_ENTITIES.length * 2);
    expect(lines.slice(1).every((l) => l.endsWith('ok'))).toBe(true);
    expect(r.stderr).toMatch(/copied [\d,]+ rows in [\d.]+ s/);
    expect(await dumpTables({ engine: 'sqlite', path: to })).toEqual(sourceRows);
  }, 60_000);

  it('resumes after crashes without losing or doubling anything', async () => {
    const to = join(root, 'resumed');
    const toAt = sqliteAt(to);
    const first = await copy(srcDir, to, ['--batch-size', '50'], { [CRASH_ENV]: '5' });
    expect(first.signal).toBe('SIGKILL');
    const partial = await sql<{ n: number }>(toAt, 'SELECT count(*) AS n FROM audit_events');
    expect(partial[0]?.n).toBeGreaterThan(0);
    expect(partial[0]?.n).toBeLessThan(sourceRows.audit_events?.length as number);
    const second = await copy(srcDir, to, ['--batch-size', '50'], { [CRASH_ENV]: '40' });
    expect(second.signal).toBe('SIGKILL');
    expect(second.stderr).toMatch(/were already there/);

    const report = await expectCopied(srcDir, to, ['--batch-size', '50']);
    const total = Object.values(sourceRows).reduce((a, rows) => a + rows.length, 0);
    const copiedNow = Object.values(report.copied as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(copiedNow).toBeGreaterThan(0);
    expect(copiedNow).toBeLessThan(total);
    expect(await dumpTables(toAt)).toEqual(sourceRows);
    const sums = `SELECT sum(input_tokens) AS t, count(*) AS n FROM usage_rollups`;
    expect(await sql(toAt, sums)).toEqual(await sql(srcAt, sums));

    // Run again: nothing to do, nothing changes.
    const again = await expectCopied(srcDir, to);
    expect(Object.values(again.copied as Record<string, number>).every((v) => v === 0)).toBe(true);
    expect(await dumpTables(toAt)).toEqual(sourceRows);
  }, 120_000);

  it('picks up what the source got behind an earlier copy', async () => {
    const from = join(root, 'changing');
    const to = join(root, 'changing-copy');
    expect((await copy(srcDir, from)).code).toBe(0);
    await expectCopied(from, to);
    const served = await serve(sqliteAt(from));
    try {
      const late = { id: 'late-1', created_at: 1_000_000_000 + 86400 * 7000, project_id: 'proj_0', model: 'gpt-4o', input_tokens: 5, output_tokens: 1 };
      expect((await served.request('POST', '/v1/organization/usage/completions', source.keyDefault, { data: [late] })).status).toBe(200);
      expect((await served.request('DELETE', `/v1/organization/admin_api_keys/${sourceKeysId()}`, source.keyDefault)).status).toBe(200);
    } finally {
      await served.close();
    }
    const r = await copy(from, to, ['--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/usage_records: the source changed behind the previous copy/);
    expect(await dumpTables(sqliteAt(to))).toEqual(await dumpTables(sqliteAt(from)));
  }, 120_000);

  describe('refusals', () => {
    const oneLine = (stderr: string) => stderr.trim().split('\n');

    it('a missing or empty source is exit 2 and nothing is created', async () => {
      const missing = await copy(join(root, 'nothing-here'), join(root, 'x1'));
      expect(missing.code).toBe(2);
      expect(oneLine(missing.stderr)).toEqual([expect.stringMatching(/^orgledger: --from: there is no orgledger store at /)]);
      expect(existsSync(join(root, 'x1'))).toBe(false);

      const empty = join(root, 'empty-dir');
      mkdirSync(empty);
      const r = await copy(empty, join(root, 'x2'));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/no orgledger store/);
      expect(existsSync(join(empty, 'orgledger.sqlite'))).toBe(false);

      const garbage = join(root, 'garbage.db');
      writeFileSync(garbage, 'not a database at all, just some text that is long enough');
      const g = await copy(garbage, join(root, 'x3'));
      expect(g.code).toBe(2);
      expect(oneLine(g.stderr)).toEqual([expect.stringMatching(/is not an orgledger store/)]);
    });

    it('malformed arguments are exit 2 with one line', async () => {
      for (const [args, message] of [
        [['--from', srcDir, '--to', 'postgres://'], /--to must name a host/],
        [['--from', srcDir, '--to', 'postgres://u:p@db:notaport/x'], /--to is not a valid PostgreSQL URL/],
        [['--from', srcDir, '--to', join(srcDir, 'orgledger.sqlite')], /--from and --to name the same store/],
        [['--from', srcDir, '--to', join(root, 'x4'), '--batch-size', '0'], /batch-size/],
        [['--from', srcDir], /--to/],
      ] as [string[], RegExp][]) {
        const r = await runCli(['copy', ...args]);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr, args.join(' ')).toMatch(message);
        expect(oneLine(r.stderr)).toHaveLength(1);
      }
    });

    it('a destination holding another store is refused with exit 1 and left alone', async () => {
      const foreign = join(root, 'foreign');
      await cliJson(['orgs', 'create', '--name', 'Someone else', '--data', foreign]);
      const before = await dumpTables(sqliteAt(foreign));
      const r = await copy(srcDir, foreign);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toEqual([expect.stringMatching(/already holds data that did not come from .*copy into an empty store$/)]);
      expect(await dumpTables(sqliteAt(foreign))).toEqual(before);
    });
  });
});

/** The id of the source's `ci` key (created in makeSource), revoked in one test. */
function sourceKeysId(): string {
  const keys = sourceKeys.default as { id: string; name: string }[];
  return (keys.find((k) => k.name === 'ci') as { id: string }).id;
}

describe.skipIf(!PG_TEST_URL)('orgledger copy with PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const db = await freshTestDatabase();
    dbs.push(db);
    return db;
  };
  afterAll(async () => {
    for (const db of dbs) await db.drop();
  });

  it('SQLite -> PostgreSQL -> SQLite: every copy has the same rows and API answers', async () => {
    const pg = await fresh();
    const pgAt: StoreAt = { engine: 'postgres', db: pg };
    await expectCopied(srcDir, pg.url);
    const back = join(root, 'from-pg');
    await expectCopied(pg.url, back);
    // Derived side tables: one id row per event and per usage record.
    const [ids] = await pg.query('SELECT (SELECT count(*) FROM audit_event_ids)::int AS e, (SELECT count(*) FROM usage_record_ids)::int AS u');
    expect(ids).toEqual({ e: sourceRows.audit_events?.length, u: sourceRows.usage_records?.length });
    await expectSameAsSource(pgAt);
    await expectSameAsSource(sqliteAt(back));
  }, 180_000);

  it('PostgreSQL -> PostgreSQL resumes after a crash', async () => {
    const [a, b] = [await fresh(), await fresh()];
    await expectCopied(srcDir, a.url);
    const crashed = await copy(a.url, b.url, ['--batch-size', '100'], { [CRASH_ENV]: '12' });
    expect(crashed.signal).toBe('SIGKILL');
    await expectCopied(a.url, b.url, ['--batch-size', '100']);
    expect(await dumpTables({ engine: 'postgres', db: b })).toEqual(sourceRows);

    // A record and an event behind the copy's position: both tables are copied again, their id tables skipping what is there.
    const served = await serve({ engine: 'postgres', db: a });
    try {
      const late = { id: 'late-pg', created_at: END_S - 40 * 86400, project_id: 'proj_0', model: 'gpt-4o', input_tokens: 7, output_tokens: 2 };
      expect((await served.request('POST', '/v1/organization/usage/completions', source.keyDefault, { data: [late] })).status).toBe(200);
      const event = { ...(source.posted.events[0] as object), id: 'evt-late-pg', effective_at: END_S - 40 * 86400 };
      expect((await served.request('POST', '/v1/organization/audit_logs', source.keyOther, { data: [event] })).status).toBe(200);
    } finally {
      await served.close();
    }
    const r = await copy(a.url, b.url, ['--batch-size', '100']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/usage_records: the source changed behind the previous copy/);
    const [aRows, bRows] = [await dumpTables({ engine: 'postgres', db: a }), await dumpTables({ engine: 'postgres', db: b })];
    expect(bRows).toEqual(aRows);
    expect(bRows.usage_records?.length).toBe((sourceRows.usage_records?.length as number) + 1);
    const ids = 'SELECT (SELECT count(*) FROM audit_event_ids)::int AS e, (SELECT count(*) FROM usage_record_ids)::int AS u';
    expect(await b.query(ids)).toEqual(await a.query(ids));
  }, 120_000);

  it('refuses a missing PostgreSQL source (exit 2, nothing created) and a foreign destination (exit 1)', async () => {
    const empty = await fresh();
    const r = await copy(empty.url, join(root, 'x5'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--from: there is no orgledger store at /);
    expect(await empty.query("SELECT to_regclass('organizations') AS t")).toEqual([{ t: null }]);
    expect(existsSync(join(root, 'x5'))).toBe(false);

    const url = new URL(PG_TEST_URL as string);
    url.pathname = '/orgledger_no_such_database';
    const missing = await copy(url.toString(), join(root, 'x6'));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);

    const foreign = await fresh();
    await cliJson(['orgs', 'create', '--name', 'Someone else', '--database-url', foreign.url]);
    const refused = await copy(srcDir, foreign.url);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds data that did not come from/);
    expect(await foreign.query('SELECT count(*)::int AS n FROM audit_events')).toEqual([{ n: 0 }]);
  }, 60_000);
});

if (!PG_TEST_URL) it.skip(PG_SKIP_MESSAGE, () => undefined);
