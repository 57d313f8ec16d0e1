/**
 * The console's Ledger view in a real browser (Debian chromium) against a real server: the tree sizes,
 * roots, signed checkpoint notes and verifier key it shows are exactly what the ledger API serves.
 */
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../helpers/events.js';
import type { TestServer } from '../helpers/server.js';
import { artifact, HAS_CHROMIUM, openConsole, signIn } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe.skipIf(!HAS_CHROMIUM)('console Ledger view (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    ({ server, browser, page } = await openConsole({
      bypassCSP: true,
      prepare: async (s) => {
        await ingest(s, [
          { type: 'project.created', 'project.created': { id: 'proj_ledger', data: { name: 'Ledger' } } },
          { type: 'user.added', 'user.added': { id: 'user_ledger' } },
          { type: 'api_key.created', 'api_key.created': { id: 'key_ledger' } },
        ]);
        // The server signs checkpoints on a timer; sign now so the test waits on nothing.
        await s.app.services.ledger.checkpointNow();
      },
    }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows each log’s tree size, root and signed checkpoint, and the verifier key, as the API serves them', async () => {
    await signIn(page, server.url, server.adminKey);
    await page.click('nav a:has-text("Ledger")');
    await page.waitForFunction(() => location.pathname === '/ledger');
    const summary = (await server.request('GET', '/v1/organization/ledger')).body as {
      verifier_key: string;
      logs: { name: string; tree_size: number; root_hash: string | null; checkpoint_at: number | null }[];
    };
    const audit = summary.logs.find((l) => l.name === 'audit');
    expect(audit?.tree_size).toBeGreaterThanOrEqual(3);
    await page.waitForSelector('.ledger-log[data-log="audit"][aria-busy="false"] [data-testid=checkpoint-audit]');
    expect(await page.textContent('[data-testid=verifier-key]')).toBe(summary.verifier_key);
    for (const log of summary.logs) {
      expect(await page.textContent(`[data-testid=tree-size-${log.name}]`), log.name).toBe(log.tree_size.toLocaleString('en-US'));
      const card = page.locator(`.ledger-log[data-log="${log.name}"]`);
      if (log.root_hash) expect(await card.textContent()).toContain(log.root_hash);
      if (log.checkpoint_at === null) {
        expect(await card.locator('pre').count()).toBe(0);
        continue;
      }
      const res = await fetch(`${server.url}/v1/organization/ledger/${log.name}/checkpoint`, { headers: { authorization: `Bearer ${server.adminKey}` } });
      expect(res.status).toBe(200);
      const note = await res.text();
      expect(await page.textContent(`[data-testid=checkpoint-${log.name}]`)).toBe(note);
      // The note names the tree size and root the summary reports.
      expect(note.split('\n').slice(1, 3)).toEqual([String(log.tree_size), log.root_hash]);
    }
    await page.screenshot({ path: artifact('ledger-1440.png'), fullPage: true });
    await page.addScriptTag({ path: AXE });
    const serious = await page.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + ": " + v.help))',
    );
    expect(serious).toEqual([]);
  });

  it('fits 390 px in dark mode without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', deviceScaleFactor: 2 });
    const p = await phone.newPage();
    await p.goto(`${server.url}/`);
    await p.fill('input[name=key]', server.adminKey);
    await p.click('button[type=submit]');
    await p.waitForURL(/\/overview$/);
    await p.goto(`${server.url}/ledger`);
    await p.waitForSelector('.ledger-log[data-log="audit"][aria-busy="false"] [data-testid=checkpoint-audit]');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.screenshot({ path: artifact('ledger-390-dark.png'), fullPage: true });
    await phone.close();
  });
});
