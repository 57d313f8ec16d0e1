/**
 * The costs view's range picker and month view in a real browser (Debian chromium) against a real
 * server holding a generated demo organization: a custom date range kept in the URL (and across a
 * reload), and the per-month totals by project against the API's sums for the same days.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/generator.js';
import { demoUsageWriter } from '../../src/demo/usage-writer.js';
import { AuditLogService } from '../../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium, newPage, signIn } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('console costs range and month view (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const usd = (n: number) => n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    // 40 days of usage: the range always crosses at least one UTC month boundary.
    await generateDemo(
      { auditLogs: new AuditLogService(server.store, systemClock), usage: demoUsageWriter(server.store, systemClock, loadPriceTable()) },
      { orgId: DEFAULT_ORG_ID, orgName: 'Costs Range Labs', days: 40, seed: 5, people: 8, end: systemClock.nowSeconds() },
    );
    browser = await launchChromium();
    page = await newPage(browser);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps a custom UTC date range in the URL and shows per-month totals as the API sums them', async () => {
    await signIn(page, server.url, server.adminKey);
    await page.click('nav a:has-text("Costs")');
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    await page.selectOption('select[name=range]', 'custom');
    await page.waitForURL((u) => u.searchParams.get('range') === 'custom' && u.searchParams.has('from'));
    const day = 86_400_000;
    const from = new Date(Date.now() - 35 * day).toISOString().slice(0, 10);
    const to = new Date(Date.now() - 2 * day).toISOString().slice(0, 10);
    await page.fill('input[name=from]', from);
    await page.waitForURL((u) => u.searchParams.get('from') === from);
    await page.fill('input[name=to]', to);
    await page.waitForURL((u) => u.searchParams.get('to') === to);
    await page.reload();
    await page.waitForSelector('.month-table tr.month-total');
    const view = page.locator('section.costs');
    const [start, end, days] = await Promise.all(['data-start', 'data-end', 'data-days'].map((a) => view.getAttribute(a)));
    expect(Number(start)).toBe(Date.parse(`${from}T00:00:00Z`) / 1000);
    expect(Number(end)).toBe(Date.parse(`${to}T00:00:00Z`) / 1000 + 86_400);
    const api = (await server.request('GET', `/v1/organization/costs?start_time=${start}&end_time=${end}&bucket_width=1d&limit=${days}&group_by[]=project_id`))
      .body;
    const months = new Map<string, number>();
    for (const b of api.data as { start_time: number; results: { amount: { value: number } }[] }[]) {
      const m = new Date(b.start_time * 1000).toISOString().slice(0, 7);
      for (const r of b.results) months.set(m, (months.get(m) ?? 0) + r.amount.value);
    }
    expect(months.size).toBeGreaterThanOrEqual(2);
    const shown = await page.$$eval('.month-table tr.month-total', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-month'), tr.querySelector('[data-testid=month-total]')?.textContent] as const),
    );
    expect(shown).toEqual([...months.entries()].map(([m, v]) => [m, usd(v)]));
    await page.screenshot({ path: artifact('costs-months-1440.png'), fullPage: true });
  });

  it('keeps a custom UTC date range on the usage view too, its totals as the API answers for those days', async () => {
    const day = 86_400_000;
    const from = new Date(Date.now() - 20 * day).toISOString().slice(0, 10);
    const to = new Date(Date.now() - 3 * day).toISOString().slice(0, 10);
    await page.goto(`${server.url}/usage?kind=completions&width=1d&group=model&measure=input_tokens`);
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    await page.selectOption('select[name=range]', 'custom');
    await page.waitForURL((u) => u.searchParams.get('range') === 'custom' && u.searchParams.has('from'));
    await page.fill('input[name=from]', from);
    await page.waitForURL((u) => u.searchParams.get('from') === from);
    await page.fill('input[name=to]', to);
    await page.waitForURL((u) => u.searchParams.get('to') === to);
    await page.reload();
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const view = page.locator('section.usage');
    const [start, end] = await Promise.all(['data-start', 'data-end'].map((a) => view.getAttribute(a)));
    expect(Number(start)).toBe(Date.parse(`${from}T00:00:00Z`) / 1000);
    expect(Number(end)).toBe(Date.parse(`${to}T00:00:00Z`) / 1000 + 86_400);
    const expected = new Map<string, number>();
    let page_: string | null = null;
    do {
      const res: { data: { results: { model: string; input_tokens: number }[] }[]; has_more: boolean; next_page: string | null } = (
        await server.request(
          'GET',
          `/v1/organization/usage/completions?start_time=${start}&end_time=${end}&bucket_width=1d&limit=31&group_by[]=model${page_ ? `&page=${page_}` : ''}`,
        )
      ).body;
      for (const b of res.data) for (const r of b.results) expected.set(r.model, (expected.get(r.model) ?? 0) + r.input_tokens);
      page_ = res.has_more ? res.next_page : null;
    } while (page_);
    expect(expected.size).toBeGreaterThan(0);
    const shown = await page.$$eval('.series-table tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('th')?.textContent ?? '', Number((r.querySelector('td')?.textContent ?? '').replaceAll(',', ''))] as const),
    );
    expect(new Map(shown)).toEqual(expected);
    await page.screenshot({ path: artifact('usage-custom-1440.png'), fullPage: true });
  });
});
