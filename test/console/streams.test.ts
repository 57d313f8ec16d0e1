/**
 * The console's Streams view in a real browser (Debian chromium) against a real server: each log
 * stream the API lists is a row with its name, sink, status and lag as the API reports them.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../helpers/events.js';
import type { TestServer } from '../helpers/server.js';
import { artifact, HAS_CHROMIUM, openConsole, signIn } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('console Streams view (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openConsole({
      prepare: async (s) => {
        // A receiver nobody listens on: the stream stays behind by every record.
        const res = await s.request('POST', '/v1/organization/log_streams', {
          body: { name: 'SIEM webhook', sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' }, records: ['audit'] },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        // A stream starts at the head: these are the records it falls behind by.
        await ingest(s, [
          { type: 'project.created', 'project.created': { id: 'proj_streams' } },
          { type: 'user.added', 'user.added': { id: 'user_streams' } },
        ]);
      },
    }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists every stream with its name, sink, status and lag as the API reports them', async () => {
    await signIn(page, server.url, server.adminKey);
    await page.click('nav a:has-text("Streams")');
    await page.waitForSelector('.stream-table[aria-busy="false"] tbody tr[data-id]');
    const api = (await server.request('GET', '/v1/organization/log_streams')).body.data as {
      id: string;
      name: string;
      status: string;
      sink: { type: string; url: string };
      lag: { records: number };
    }[];
    expect(api.length).toBe(1);
    const shown = await page.$$eval('.stream-table tbody tr[data-id]', (trs) => trs.map((tr) => tr.getAttribute('data-id')));
    expect(shown).toEqual(api.map((s) => s.id));
    const s = api[0] as (typeof api)[number];
    const row = page.locator(`.stream-table tr[data-id="${s.id}"]`);
    expect(await row.locator('th').textContent()).toContain(s.name);
    expect(await row.locator('th').textContent()).toContain(s.sink.url);
    expect(['active', 'failing']).toContain(await row.getAttribute('data-status'));
    // Nothing reaches the receiver, so the lag is every audit record and cannot shrink between the two reads.
    expect(s.lag.records).toBeGreaterThanOrEqual(2);
    expect(await row.locator('[data-testid=lag]').textContent()).toContain(`${s.lag.records.toLocaleString('en-US')} records`);
    await page.screenshot({ path: artifact('streams-1440.png'), fullPage: true });
  });
});
