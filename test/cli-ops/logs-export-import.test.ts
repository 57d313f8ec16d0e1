/**
 * logs, usage, costs, export and import: the real commands, spawned from source, on a real store and
 * against a real spawned server, their output checked.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOCUS_COLUMNS } from '../../src/cli/focus.js';
import { cliJson, runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const END = '2026-06-30T18:00:00Z';
const END_S = Date.parse(END) / 1000;
const ndjson = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('logs, usage, costs, export and import', () => {
  let root: string;
  let data: string;
  let summary: any;
  let server: ServeChild;
  const key = testSecret('ops');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'orgledger-ops-'));
    data = join(root, 'source');
    summary = await cliJson(['demo', '--days', '3', '--people', '20', '--seed', '5', '--end', END, '--data', data]);
    server = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: key });
  }, 120_000);

  afterAll(async () => {
    await server?.kill();
    rmSync(root, { recursive: true, force: true });
  });

  it('logs --json prints every matching event as NDJSON, newest first', async () => {
    const r = await runCli(['logs', '--data', data, '--type', 'login.succeeded', '--all', '--json']);
    expect(r.code).toBe(0);
    const events = ndjson(r.stdout);
    expect(events.length).toBe(summary.byType['login.succeeded']);
    expect(events.every((e) => e.type === 'login.succeeded')).toBe(true);
    const times = events.map((e) => e.effective_at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('logs prints an aligned table with --limit rows', async () => {
    const r = await runCli(['logs', '--data', data, '--limit', '7']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toMatch(/^Time\s+Type\s+Actor\s+Target\s+Project$/);
    const typeColumn = (lines[0] as string).indexOf('Type');
    for (const line of lines.slice(1)) expect(line.slice(0, typeColumn)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+$/);
  });

  it('logs filters by email, time and tenant scope, and reads the same from a server as from the store', async () => {
    const all = ndjson((await runCli(['logs', '--data', data, '--all', '--json'])).stdout);
    const email = all.find((e) => e.actor?.session?.user?.email)?.actor.session.user.email as string;
    const since = END_S - 86400;
    const local = await runCli(['logs', '--data', data, '--email', email, '--since', '2026-06-29T18:00:00Z', '--all', '--json']);
    const expected = all.filter((e) => (e.actor?.session?.user?.email ?? e.actor?.api_key?.user?.email) === email && e.effective_at >= since);
    expect(ndjson(local.stdout)).toEqual(expected);
    const remote = await runCli(['logs', '--url', server.url, '--email', email, '--since', '2026-06-29T18:00:00Z', '--all', '--json'], {
      OPENAI_ADMIN_KEY: key,
    });
    expect(remote.code).toBe(0);
    expect(remote.stdout).toBe(local.stdout);

    const tenant = ndjson((await runCli(['logs', '--url', `${server.url}/v1`, '--key', key, '--tenant', '--all', '--json'])).stdout);
    expect(tenant.length).toBeGreaterThan(0);
    expect(tenant.every((e) => e.type.startsWith('tenant.') || e.type.startsWith('role.'))).toBe(true);
    expect(all.some((e) => e.type.startsWith('tenant.'))).toBe(false);
  });

  it('exit codes: 2 for usage errors, 1 for failures, each a single line', async () => {
    const bad = await runCli(['logs', '--data', data, '--type', 'no.such.type']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'no.such.type' is not an audit-log event type");
    const since = await runCli(['logs', '--data', data, '--since', 'yesterday']);
    expect(since.code).toBe(2);
    const noKey = await runCli(['logs', '--url', server.url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr.trim().split('\n')).toHaveLength(1);
    const wrongKey = await runCli(['logs', '--url', server.url, '--key', 'sk-admin-wrong-key-0123456789']);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^orgledger: 401 from http:\/\/127\.0\.0\.1:\d+: /);
    expect(wrongKey.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('export then import into a fresh store round-trips every event unchanged; a re-run is idempotent', async () => {
    const fresh = join(root, 'fresh');
    for (const tenant of [false, true]) {
      const file = join(root, tenant ? 'tenant.jsonl' : 'org.jsonl');
      const ex = await runCli(['export', 'logs', '--data', data, '-o', file, ...(tenant ? ['--tenant'] : ['--no-tenant'])]);
      expect(ex.code).toBe(0);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      const first = await cliJson(['import', 'logs', file, '--data', fresh]);
      expect(first).toEqual({ read: lines.length, imported: lines.length, already_present: 0, rejected: [] });
      const again = await cliJson(['import', 'logs', file, '--data', fresh]);
      expect(again).toEqual({ read: lines.length, imported: 0, already_present: lines.length, rejected: [] });
      const back = await runCli(['export', 'logs', '--data', fresh, ...(tenant ? ['--tenant'] : ['--no-tenant'])]);
      expect(back.stdout).toBe(readFileSync(file, 'utf8'));
    }
  }, 120_000);

  it('import reports rejected lines with the reason and keeps the good ones', async () => {
    const good = ndjson((await runCli(['logs', '--data', data, '--limit', '3', '--json'])).stdout);
    const file = join(root, 'mixed.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(good[0]),
        '{"type":"login.failed","actor":{"type":"robot"}}',
        'not json',
        JSON.stringify(good[1]),
        JSON.stringify({ ...good[2], type: 'no.such.type' }),
        '',
      ].join('\n'),
    );
    const r = await runCli(['import', 'logs', file, '--data', join(root, 'mixed')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('imported 2 new events, 0 already present, 3 rejected (of 5 lines)');
    const rejected = r.stderr.trim().split('\n');
    expect(rejected[0]).toMatch(/^line 2: .*'event\.actor\.type'.*\(param: event\.actor\.type\)$/);
    expect(rejected[1]).toMatch(/^line 3: not valid JSON/);
    expect(rejected[2]).toMatch(/^line 5: .*'no\.such\.type' is not an audit-log event type.*\(param: event\.type\)$/);
    const stored = ndjson((await runCli(['logs', '--data', join(root, 'mixed'), '--json', '--all'])).stdout);
    expect(stored.map((e) => e.id).sort()).toEqual([good[0].id, good[1].id].sort());
  });

  it('usage and costs read the same locally and from the server; FOCUS totals match the costs', async () => {
    const since = String(END_S - 3 * 86400);
    const local = await runCli(['usage', 'completions', '--data', data, '--since', since, '--group-by', 'model', '--json']);
    const remote = await runCli(['usage', 'completions', '--url', server.url, '--key', key, '--since', since, '--group-by', 'model', '--json']);
    expect(local.code).toBe(0);
    const buckets = ndjson(local.stdout);
    expect(buckets.every((b) => b.object === 'bucket')).toBe(true);
    expect(buckets.flatMap((b) => b.results).some((r) => r.model && r.input_tokens > 0)).toBe(true);
    expect(ndjson(remote.stdout).map((b) => b.results)).toEqual(buckets.map((b) => b.results));

    const costs = ndjson((await runCli(['costs', '--data', data, '--since', '2026-06-27', '--until', '2026-07-01', '--json'])).stdout);
    const total = costs.flatMap((b) => b.results).reduce((s, r) => s + r.amount.value, 0);
    expect(total).toBeGreaterThan(0);
    const focus = await runCli(['export', 'costs', '--format', 'focus', '--data', data, '--since', '2026-06-27', '--until', '2026-07-01']);
    expect(focus.code).toBe(0);
    const [header, ...rows] = focus.stdout.trimEnd().split('\n');
    expect(header).toBe(FOCUS_COLUMNS.join(','));
    expect(rows.length).toBeGreaterThan(0);
    const billed = rows.reduce((s, row) => s + Number((row.split(',')[0] as string) || 0), 0);
    expect(Math.abs(billed - total)).toBeLessThan(1e-6 * Math.max(1, total));

    const csv = await runCli(['export', 'usage', '--format', 'csv', '--kind', 'images', '--data', data, '--since', '2026-06-27', '--until', '2026-07-01']);
    const [csvHeader, ...csvRows] = csv.stdout.trimEnd().split('\n');
    expect(csvHeader?.startsWith('start_time,end_time,kind,project_id')).toBe(true);
    expect(csvRows.length).toBeGreaterThan(0);
    expect(csvRows.every((row) => row.split(',')[2] === 'images')).toBe(true);
  });
});
