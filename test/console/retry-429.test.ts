/**
 * The console's retry on 429 (src/console/api.ts), in a real browser (Debian chromium) against a real
 * server on either engine: a GET answered 429 Too Many Requests is tried again, at most 3 attempts in
 * all; when the third is refused too, the view says what failed (the message, the request, 429) and
 * offers Retry, which then loads the page. The 429s are served by intercepting the audit-log list
 * request; everything else is the real server.
 */
import type { Browser, Page, Request, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../helpers/events.js';
import type { TestServer } from '../helpers/server.js';
import { artifact, HAS_CHROMIUM, openConsole, signIn } from './browser.js';

const isList = (url: URL | string) => new URL(String(url)).pathname === '/v1/organization/audit_logs';
const TOO_MANY = {
  status: 429,
  headers: { 'content-type': 'application/json', 'retry-after': '1' },
  body: JSON.stringify({
    error: { message: 'Too many requests for this key; slow down.', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' },
  }),
};

describe.skipIf(!HAS_CHROMIUM)('console: retry on 429 (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openConsole({
      signIn: true,
      prepare: async (s) => {
        await ingest(s, [
          { type: 'project.created', 'project.created': { id: 'proj_429', data: { name: 'Retry' } } },
          { type: 'user.added', 'user.added': { id: 'user_429' } },
        ]);
      },
    }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Counts the list requests the page sends; the first `refuse` of them are answered 429. */
  async function intercept(refuse: number): Promise<{ sent: () => number; stop: () => Promise<void> }> {
    let sent = 0;
    const handler = async (route: Route) => {
      if (route.request().method() !== 'GET') return route.continue();
      sent++;
      if (sent <= refuse) return route.fulfill(TOO_MANY);
      return route.continue();
    };
    await page.route(isList, handler);
    return { sent: () => sent, stop: () => page.unroute(isList, handler) };
  }

  it('a GET answered 429 twice is tried again and the view loads on the third attempt', async () => {
    const served = await intercept(2);
    try {
      await page.goto(`${server.url}/logs`);
      await page.waitForSelector('table.events tbody tr:not(.skeleton)');
      expect(served.sent()).toBe(3);
      expect(await page.locator('.notice.error').count()).toBe(0);
      const api = (await server.request('GET', '/v1/organization/audit_logs?limit=50')).body.data as unknown[];
      expect(await page.locator('table.events tbody tr:not(.skeleton)').count()).toBe(api.length);
    } finally {
      await served.stop();
    }
  });

  it('after 3 refused attempts the view shows what failed and a Retry button, which then loads it', async () => {
    const served = await intercept(Number.POSITIVE_INFINITY);
    const lists: Request[] = [];
    page.on('request', (r) => {
      if (isList(r.url())) lists.push(r);
    });
    try {
      await page.goto(`${server.url}/logs`);
      const error = page.locator('.notice.error[role=alert]');
      await error.waitFor();
      expect(served.sent()).toBe(3);
      const text = (await error.textContent()) ?? '';
      expect(text).toContain('Could not load.');
      expect(text).toContain('Too many requests for this key; slow down.');
      expect(text).toContain('GET /v1/organization/audit_logs');
      expect(text).toContain('429 Too Many Requests 3 times');
      // No misleading figures while it failed: no rows, no "0 events".
      expect(await page.locator('table.events tbody tr:not(.skeleton)').count()).toBe(0);
      await page.screenshot({ path: artifact('retry-429-failed-1440.png'), fullPage: true });
    } finally {
      await served.stop();
    }
    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForSelector('table.events tbody tr:not(.skeleton)');
    expect(await page.locator('.notice.error').count()).toBe(0);
    expect(lists.length).toBe(4);
  });

  it('a write answered 429 is not repeated (it may have been applied)', async () => {
    let posts = 0;
    const keys = (u: URL | string) => new URL(String(u)).pathname === '/v1/organization/admin_api_keys';
    const handler = (route: Route) => {
      if (route.request().method() !== 'POST') return route.continue();
      posts++;
      return route.fulfill(TOO_MANY);
    };
    await page.route(keys, handler);
    try {
      await page.goto(`${server.url}/keys`);
      await page.fill('input[name=name]', 'retry-test');
      await page.locator('form button[type=submit]').click();
      await page.waitForFunction(() => (document.querySelector('.form-error')?.textContent ?? '') !== '');
      expect(await page.textContent('.form-error')).toContain('Too many requests for this key');
      expect(posts).toBe(1);
    } finally {
      await page.unroute(keys, handler);
    }
  });
});
