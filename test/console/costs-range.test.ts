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

  /** The pixel centre of a chart's bucket (its hit box), for a mouse drag. */
  async function bucketCentre(start: number): Promise<{ x: number; y: number }> {
    const box = await page.locator(`.chart-box g[data-bucket="${start}"] rect.hit`).boundingBox();
    if (!box) throw new Error(`no bucket ${start} on the chart`);
    return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  }

  it('zooms the costs chart to the buckets dragged across; the range goes to the URL and the total is the API sum', async () => {
    await page.goto(`${server.url}/costs?range=30`);
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const buckets = (await page.$$eval('.chart-box g[data-bucket]', (gs) => gs.map((g) => Number(g.getAttribute('data-bucket'))))).sort((a, b) => a - b);
    expect(buckets).toHaveLength(30);
    const [first, last] = [buckets[5] as number, buckets[14] as number];
    const a = await bucketCentre(first);
    const b = await bucketCentre(last);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x) / 2, a.y, { steps: 4 });
    await page.mouse.move(b.x, b.y, { steps: 4 });
    await page.waitForSelector('[data-testid=zoom-selection]');
    await page.mouse.up();
    const from = new Date(first * 1000).toISOString().slice(0, 10);
    const to = new Date(last * 1000).toISOString().slice(0, 10);
    await page.waitForURL((u) => u.searchParams.get('range') === 'custom' && u.searchParams.get('from') === from && u.searchParams.get('to') === to);
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const view = page.locator('section.costs');
    expect(Number(await view.getAttribute('data-start'))).toBe(first);
    expect(Number(await view.getAttribute('data-end'))).toBe(last + 86_400);
    expect(await page.locator('.chart-box g[data-bucket]').count()).toBe(10);
    const api = (await server.request('GET', `/v1/organization/costs?start_time=${first}&end_time=${last + 86_400}&bucket_width=1d&limit=10`)).body;
    const sum = (api.data as { results: { amount: { value: number } }[] }[]).flatMap((x) => x.results).reduce((acc, r) => acc + r.amount.value, 0);
    expect(await page.textContent('[data-testid=range-total]')).toBe(usd(sum));
    // Back returns to the range before the zoom.
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('range') === '30');
  });

  it('zooms from the keyboard too: Shift+arrows select buckets, Enter zooms (hours on the usage view)', async () => {
    await page.goto(`${server.url}/usage?kind=completions&width=1h&range=72&group=model`);
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const buckets = (await page.$$eval('.chart-box g[data-bucket]', (gs) => gs.map((g) => Number(g.getAttribute('data-bucket'))))).sort((x, y) => x - y);
    expect(buckets).toHaveLength(72);
    await page.focus('.chart-box');
    await page.keyboard.press('ArrowRight'); // bucket 0
    await page.keyboard.press('ArrowRight'); // bucket 1
    for (let i = 0; i < 5; i++) await page.keyboard.press('Shift+ArrowRight'); // buckets 1..6
    await page.waitForSelector('[data-testid=zoom-selection]');
    await page.keyboard.press('Enter');
    const minute = (t: number) => new Date(t * 1000).toISOString().slice(0, 16);
    await page.waitForURL((u) => u.searchParams.get('from') === minute(buckets[1] as number) && u.searchParams.get('to') === minute(buckets[6] as number));
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const view = page.locator('section.usage');
    expect(Number(await view.getAttribute('data-start'))).toBe(buckets[1]);
    expect(Number(await view.getAttribute('data-end'))).toBe((buckets[6] as number) + 3600);
    expect(await page.locator('.chart-box g[data-bucket]').count()).toBe(6);
  });

  it('draws lines instead of stacked bars on request, one per legend entry, kept in the URL', async () => {
    await page.goto(`${server.url}/costs?range=30`);
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    expect(await page.locator('.chart-box rect.segment').count()).toBeGreaterThan(0);
    await page.click('.chart-options label:has-text("Lines")');
    await page.waitForURL((u) => u.searchParams.get('chart') === 'lines');
    await page.waitForSelector('.chart-box .series-line polyline');
    const legend = await page.locator('.legend li').count();
    expect(legend).toBeGreaterThan(0);
    expect(await page.locator('.chart-box .series-line polyline').count()).toBe(legend);
    expect(await page.locator('.chart-box rect.segment').count()).toBe(0);
    await page.screenshot({ path: artifact('costs-lines-1440.png'), fullPage: true });
    await page.reload();
    await page.waitForSelector('.chart-box .series-line polyline');
    expect(await page.isChecked('.chart-options input[value=lines]')).toBe(true);
  });
});
