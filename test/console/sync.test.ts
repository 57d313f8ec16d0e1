/**
 * The console's Sync view in a real browser (Debian chromium) against a real server: each mirrored
 * stream's cursor, lag, record count and error, and the run holding the lock, as the API reports them.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { acquireSyncLock } from '../../src/features/sync/lock.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium, newPage, signIn } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('console Sync view (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let release: () => Promise<void> = async () => {};

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    const t = Math.floor(Date.now() / 1000);
    // The cursors a sync run leaves, one of them failed, and a run in progress holding the lock.
    await server.store.write(async (tx) => {
      await tx.sync.putSyncCursor({ orgId: DEFAULT_ORG_ID, stream: 'audit', position: t - 600, lastRunAt: t - 60, lastError: null, records: 1234 });
      await tx.sync.putSyncCursor({
        orgId: DEFAULT_ORG_ID,
        stream: 'usage.completions',
        position: t - 7200,
        lastRunAt: t - 30,
        lastError: 'upstream GET /organization/usage/completions answered 500: boom (request id req_1)',
        records: 7,
      });
    });
    const held = await acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock);
    release = held.release;
    browser = await launchChromium();
    page = await newPage(browser);
  }, 180_000);
  afterAll(async () => {
    await release();
    await browser?.close();
    await server?.close();
  });

  it('shows every stream, its lag, records and error, and the lock holder as the API reports them', async () => {
    await signIn(page, server.url, server.adminKey);
    await page.click('nav a:has-text("Sync")');
    await page.waitForSelector('.sync-table[aria-busy="false"] tbody tr[data-stream]');
    const api = (await server.request('GET', '/v1/organization/sync')).body as {
      running: { pid: number; host: string } | null;
      failing: boolean;
      streams: { stream: string; lag_seconds: number; records: number; last_error: string | null }[];
    };
    const shown = await page.$$eval('.sync-table tbody tr[data-stream]', (trs) => trs.map((tr) => tr.getAttribute('data-stream')));
    expect(shown).toEqual(api.streams.map((s) => s.stream));
    for (const s of api.streams) {
      const row = page.locator(`.sync-table tr[data-stream="${s.stream}"]`);
      expect(await row.getAttribute('data-status')).toBe(s.last_error ? 'failing' : 'active');
      expect(await row.locator('[data-testid=records]').textContent()).toBe(s.records.toLocaleString('en-US'));
      // The lag grows between the API read and the page's, by seconds: compare the exact figure in the title loosely.
      const title = Number((await row.locator('[data-testid=lag]').getAttribute('title'))?.replace(/[^0-9]/g, ''));
      expect(Math.abs(title - s.lag_seconds)).toBeLessThan(60);
      if (s.last_error) expect(await row.locator('[data-testid=last-error]').textContent()).toBe(s.last_error);
      else expect(await row.locator('[data-testid=last-error]').textContent()).toBe('—');
    }
    expect(api.failing).toBe(true);
    expect(await page.getAttribute('[data-testid=sync-summary]', 'data-failing')).toBe('true');
    expect(api.running).not.toBeNull();
    const running = await page.textContent('[data-testid=running]');
    expect(running).toContain(`${api.running?.host} pid ${api.running?.pid}`);
    await page.screenshot({ path: artifact('sync-1440.png'), fullPage: true });
  });
});
