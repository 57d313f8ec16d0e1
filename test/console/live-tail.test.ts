/**
 * The audit view's Live toggle in a real browser (Debian chromium): switched on, an event ingested
 * through the API appears on top of the table without a reload; switched off, the stream closes.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../helpers/events.js';
import type { TestServer } from '../helpers/server.js';
import { artifact, HAS_CHROMIUM, openConsole } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('audit view Live toggle (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openConsole({
      viewport: { width: 1280, height: 900 },
      prepare: async (s) => {
        await ingest(s, [{ type: 'project.created', 'project.created': { id: 'proj_before' } }]);
      },
    }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows new events on top while Live is on', async () => {
    await page.goto(`${server.url}/`);
    await page.fill('input[name=key]', server.adminKey);
    await page.click('button[type=submit]');
    // Sign-in lands on the overview; the Live toggle belongs to the audit view.
    await page.click('nav a:has-text("Audit logs")');
    await page.waitForURL(/\/logs$/);
    await page.waitForSelector('table.events[aria-busy="false"] tbody tr[data-id]');
    await page.check('input[name=live]');
    await page.waitForSelector('.live-state[data-state="live"]');
    const [id] = await ingest(server, [{ type: 'user.added', 'user.added': { id: 'user_live' } }]);
    await page.waitForSelector(`table.events tbody tr[data-id="${id}"]`);
    const ids = await page.$$eval('table.events tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(ids[0]).toBe(id);
    expect(new Set(ids).size).toBe(ids.length);
    await page.screenshot({ path: artifact('audit-logs-live.png') });
    await page.uncheck('input[name=live]');
    await page.waitForSelector('.live-state[data-state="off"]', { state: 'attached' });
  });
});
