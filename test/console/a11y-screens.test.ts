/**
 * Every console view at 1440 and 390 px, light and dark: an axe-core check (no serious or critical
 * violations) and a full-page screenshot under test-artifacts/console/ for a person to look at.
 */
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/generator.js';
import { demoUsageWriter } from '../../src/demo/usage-writer.js';
import { AuditLogService } from '../../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Each view and what shows it has settled. */
const VIEWS: { name: string; path: string; ready: string; open?: string }[] = [
  { name: 'overview', path: '/overview', ready: '[data-testid=security-counts]' },
  { name: 'audit-logs', path: '/logs', ready: 'table.events[aria-busy="false"] tbody tr[data-id]' },
  { name: 'audit-detail', path: '/logs?type=project.updated', ready: 'table.events[aria-busy="false"] tbody tr[data-id]', open: 'button.open-event' },
  { name: 'usage', path: '/usage', ready: 'section.card[aria-busy="false"] .series-table' },
  { name: 'costs', path: '/costs', ready: 'section.card[aria-busy="false"] .series-table' },
  { name: 'keys', path: '/keys', ready: '.key-table tbody tr' },
];

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

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    await generateDemo(
      { auditLogs: new AuditLogService(server.store, systemClock), usage: demoUsageWriter(server.store, systemClock, loadPriceTable()) },
      { orgId: DEFAULT_ORG_ID, orgName: 'Screens Labs', days: 8, seed: 5, people: 16, end: systemClock.nowSeconds() },
    );
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function serious(page: Page): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    const violations = (await page.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))',
    )) as Violation[];
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
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
        await page.goto(`${server.url}${view.path}`);
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
        for (const v of await serious(page)) found.push(`${view.name}: ${v}`);
      }
      await context.close();
      expect(found).toEqual([]);
      // Six views with axe each: a minute on a quiet machine, more on a shared one.
    }, 480_000);
  }
});
