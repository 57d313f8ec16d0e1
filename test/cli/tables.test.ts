/** Issue 10: human tables: grouped right-aligned numbers, totals, money, escaped control characters. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliJson, runCli } from '../helpers/cli.js';

const END = '2026-06-30T18:00:00Z';
const root = mkdtempSync(join(tmpdir(), 'orgledger-tables-'));
const data = join(root, 'store');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const num = (s: string) => Number(s.replace(/[$,]/g, ''));

describe('tables', () => {
  beforeAll(async () => {
    await cliJson(['demo', '--days', '2', '--people', '10', '--end', END, '--data', data]);
  }, 120_000);

  it('usage: right-aligned grouped numbers and a totals row equal to the sum', async () => {
    const out = await runCli(['usage', 'completions', '--since', '2026-06-25', '--until', '2026-07-01', '--data', data]);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    const head = lines[0] as string;
    expect(head).toMatch(/^Start\s+.*Input tokens/);
    const end = head.indexOf('Input tokens') + 'Input tokens'.length;
    const values = lines.slice(1).map((l) => l.slice(0, end).trim().split(/\s+/).pop() as string);
    expect(values.some((v) => /^\d{1,3}(,\d{3})+$/.test(v))).toBe(true);
    const body = values.slice(0, -1).map(num);
    expect((lines.at(-1) as string).startsWith('Total')).toBe(true);
    expect(num(values.at(-1) as string)).toBe(body.reduce((a, b) => a + b, 0));
  });

  it('costs: $ amounts and a total', async () => {
    const out = await runCli(['costs', '--since', '2026-06-25', '--until', '2026-07-01', '--data', data]);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    const amounts = lines.slice(1).map((l) => (l.match(/\$[\d,]+\.\d\d/) ?? [''])[0]);
    expect(amounts.every((a) => a !== '')).toBe(true);
    expect((lines.at(-1) as string).startsWith('Total')).toBe(true);
    const sum = amounts.slice(0, -1).reduce((a, b) => a + num(b), 0);
    expect(Math.abs(num(amounts.at(-1) as string) - sum)).toBeLessThanOrEqual(0.01 * amounts.length);
  });

  it('a control character in a cell prints escaped', async () => {
    await cliJson(['orgs', 'create', '--name', '\u001b[31mRed', '--data', data]);
    const out = await runCli(['orgs', 'list', '--data', data]);
    expect(out.stdout).toContain('\\x1b[31mRed');
    expect(out.stdout).not.toContain('\u001b');
  });
});
