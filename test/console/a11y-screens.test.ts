/**
 * Every console view at 1440 and 390 px, light and dark: an axe-core check (no serious or critical
 * violations; none at all for the Ledger, Streams, Sync and actor timeline views) and a full-page
 * screenshot under test-artifacts/console/ for a person to look at.
 */
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/generator.js';
import { demoUsageWriter } from '../../src/demo/usage-writer.js';
import { AuditLogService } from '../../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { acquireSyncLock } from '../../src/features/sync/lock.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Each view and what shows it has settled; `strict` views may have no axe violation of any impact. */
const VIEWS: { name: string; path: string | (() => string); ready: string; open?: string; strict?: boolean }[] = [
  { name: 'overview', path: '/overview', ready: '[data-testid=security-counts]' },
  { name: 'audit-logs', path: '/logs', ready: 'table.events[aria-busy="false"] tbody tr[data-id]' },
  { name: 'audit-detail', path: '/logs?type=project.updated', ready: 'table.events[aria-busy="false"] tbody tr[data-id]', open: 'button.open-event' },
  { name: 'usage', path: '/usage', ready: 'section.card[aria-busy="false"] .series-table' },
  { name: 'costs', path: '/costs', ready: 'section.card[aria-busy="false"] .series-table' },
  { name: 'keys', path: '/keys', ready: '.key-table tbody tr' },
  { name: 'ledger', path: '/ledger', ready: '.ledger-log[data-log="audit"][aria-busy="false"] [data-testid=checkpoint-audit]', strict: true },
  { name: 'streams', path: '/streams', ready: '.stream-table[aria-busy="false"] tbody tr[data-id]', strict: true },
  { name: 'sync', path: '/sync', ready: '.sync-table[aria-busy="false"] tbody tr[data-stream]', strict: true },
  { name: 'actor', path: () => `/actor?id=${encodeURIComponent(actorId)}`, ready: '.actor-types[aria-busy="false"] tbody tr[data-type]', strict: true },
];
/** A person of the demo organization, for the actor timeline (set in beforeAll). */
let actorId = '';

const SCREENS = [
  { width: 1440, height: 900, scheme: 'light' as const },
  { width: 1440, height: 900, scheme: 'dark' as const },
  { width: 390, height: 844, scheme: 'light' as const },
  { width: 390, height: 844, scheme: 'dark' as const },
];

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

describe.skipIf(!HAS_CHROMIUM)('console accessibility and screenshots (chromium, axe-core)', () => {
  let server: TestServer;
  let browser: Browser;
  let release: () => Promise<void> = async () => {};

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    await generateDemo(
      { auditLogs: new AuditLogService(server.store, systemClock), usage: demoUsageWriter(server.store, systemClock, loadPriceTable()) },
      { orgId: DEFAULT_ORG_ID, orgName: 'Screens Labs', days: 8, seed: 5, people: 16, end: systemClock.nowSeconds() },
    );
    // What the newer views show: a signed checkpoint, a log stream (its receiver never answers), the
    // cursors a sync run leaves (one failing) and a run holding the lock.
    await server.app.services.ledger.checkpointNow();
    const stream = await server.request('POST', '/v1/organization/log_streams', {
      body: { name: 'SIEM webhook', sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' }, records: ['audit'] },
    });
    expect(stream.status, JSON.stringify(stream.body)).toBe(200);
    const t = systemClock.nowSeconds();
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
    release = (await acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock)).release;
    const sessions = await server.request('GET', '/v1/organization/audit_logs?limit=100');
    actorId = (sessions.body.data as { actor?: { session?: { user?: { id?: string } } } }[]).find((e) => e.actor?.session?.user?.id)?.actor?.session?.user
      ?.id as string;
    expect(actorId).toBeTruthy();
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await release();
    await browser?.close();
    await server?.close();
  });

  async function violations(page: Page, strict = false): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    const violations = (await page.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))',
    )) as Violation[];
    return violations
      .filter((v) => strict || v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }

  for (const screen of SCREENS) {
    it(`${screen.width} px, ${screen.scheme}: every view has no serious axe violation`, async () => {
      // bypassCSP: axe is injected as an inline script, which the console's CSP rightly refuses.
      const context = await browser.newContext({ viewport: { width: screen.width, height: screen.height }, colorScheme: screen.scheme, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.fill('input[name=key]', server.adminKey);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/overview$/);
      const found: string[] = [];
      for (const view of VIEWS) {
        await page.goto(`${server.url}${typeof view.path === 'string' ? view.path : view.path()}`);
        // Readiness, not speed (speed is bench/console-paint.ts): the overview's security panel pages
        // through two weeks of events, which can take longer than Playwright's 30 s on a loaded CI box.
        await page.waitForSelector(view.ready, { timeout: 90_000 });
        if (view.open) {
          await page.click(view.open);
          await page.waitForSelector('[data-testid=event-json]');
          await page.waitForSelector('[data-testid=changes] td:not(:has-text("…"))');
        }
        const wide = await page.evaluate((w) => {
          if (document.documentElement.scrollWidth <= w) return [];
          return (
            [...document.querySelectorAll('body *')]
              .filter((el) => el.getBoundingClientRect().right > w + 1)
              // Wide content inside a scrolling box is fine; the page itself must not scroll.
              .filter((el) => {
                for (let p = el.parentElement; p; p = p.parentElement) if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return false;
                return true;
              })
              .slice(0, 5)
              .map((el) => `${el.tagName.toLowerCase()}.${el.className}`)
          );
        }, screen.width);
        expect(wide, `${view.name} scrolls sideways`).toEqual([]);
        await page.screenshot({ path: artifact(`${view.name}-${screen.width}-${screen.scheme}.png`), fullPage: !view.open });
        for (const v of await violations(page, view.strict)) found.push(`${view.name}: ${v}`);
      }
      await context.close();
      expect(found).toEqual([]);
      // Ten views with axe each: a minute or two on a quiet machine, more on a shared one.
    }, 600_000);
  }
});
