/**
 * The console's actor timeline in a real browser (Debian chromium) against a real server: from an
 * event's detail to the actor's activity, whose per-type counts and newest events match the API's
 * answer for that actor.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium, newPage, signIn } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('console actor timeline (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    const ana = actors.session('user-ana', 'ana@example.com');
    const bob = actors.session('user-bob', 'bob@example.com');
    const events: unknown[] = [];
    // Ana over five days: several types, and Bob in between (who must not show up in her timeline).
    for (let d = 0; d < 5; d++) {
      events.push({
        type: 'project.created',
        effective_at: now - d * 86_400 - 100,
        actor: ana,
        'project.created': { id: `proj_${d}`, data: { name: `P${d}` } },
      });
      if (d % 2 === 0) events.push({ type: 'login.succeeded', effective_at: now - d * 86_400 - 50, actor: ana, 'login.succeeded': {} });
      events.push({ type: 'project.archived', effective_at: now - d * 86_400 - 20, actor: bob, 'project.archived': { id: `proj_${d}` } });
    }
    events.push({ type: 'api_key.created', effective_at: now - 10, actor: ana, 'api_key.created': { id: 'key_ana', data: { scopes: ['api.model.read'] } } });
    await ingest(server, events);
    browser = await launchChromium();
    page = await newPage(browser);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("opens from an event's detail and shows the actor's events by type as the API lists them", async () => {
    await signIn(page, server.url, server.adminKey);
    await page.goto(`${server.url}/logs?type=api_key.created`);
    await page.click('tr[data-type="api_key.created"] button.open-event');
    await page.click('a:has-text("Timeline of ana@example.com")');
    await page.waitForURL(/\/actor\?id=user-ana$/);
    await page.waitForSelector('.actor-types[aria-busy="false"] tbody tr[data-type]');

    const api = (await server.request('GET', '/v1/organization/audit_logs?actor_ids[]=user-ana&limit=100')).body as {
      data: { id: string; type: string }[];
    };
    expect(api.data.length).toBe(9);
    const expected = new Map<string, number>();
    for (const e of api.data) expected.set(e.type, (expected.get(e.type) ?? 0) + 1);
    const shown = await page.$$eval('.actor-types tbody tr[data-type]', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-type'), Number(tr.querySelector('td')?.textContent)] as const),
    );
    expect(new Map(shown)).toEqual(expected);
    expect(await page.getAttribute('[data-testid=actor-total]', 'data-count')).toBe(String(api.data.length));
    expect(await page.$$eval('.actor-latest li', (lis) => lis.map((li) => li.getAttribute('data-id')))).toEqual(api.data.map((e) => e.id));
    // The chart stacks by type: one legend entry per type.
    expect(await page.$$eval('ul.legend li', (els) => els.length)).toBe(expected.size);
    await page.screenshot({ path: artifact('actor-1440.png'), fullPage: true });
  });
});
