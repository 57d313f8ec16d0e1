/**
 * The web console in a real browser (Debian's chromium via playwright-core) against a real server
 * holding a generated demo organization. Every check compares what the page shows with what the
 * public API answers for the same question. Screenshots of each view go to test-artifacts/console/.
 */
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/console/format.js';
import { generateDemo } from '../../src/demo/generator.js';
import { demoUsageWriter } from '../../src/demo/usage-writer.js';
import { AuditLogService } from '../../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('web console (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const get = async (path: string) => {
    const res = await server.request('GET', path);
    expect(res.status, `${path}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
    return res.body;
  };
  /** The ids of the audit-log rows on screen, top to bottom, once the table settled. */
  const rowIds = async () => {
    await page.waitForSelector('table.events[aria-busy="false"]');
    return page.$$eval('table.events tbody tr[data-id]', (rows) => rows.map((r) => r.getAttribute('data-id')));
  };
  const apiIds = async (query: string) => (await get(`/v1/organization/audit_logs?limit=50${query}`)).data.map((e: { id: string }) => e.id);

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    await generateDemo(
      {
        auditLogs: new AuditLogService(server.store, systemClock),
        usage: demoUsageWriter(server.store, systemClock, loadPriceTable()),
      },
      { orgId: DEFAULT_ORG_ID, orgName: 'Console Test Labs', days: 8, seed: 3, people: 24, end: systemClock.nowSeconds() },
    );
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, colorScheme: 'light' });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('serves the console with content types and caching; API paths keep the JSON 404', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const again = await fetch(`${server.url}${script}`, { headers: { 'if-none-match': asset.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);
    // A browser reloading a console URL gets the page; the API and non-browser clients do not.
    const deep = await fetch(`${server.url}/logs?type=project.created`, { headers: { accept: 'text/html' } });
    expect(await deep.text()).toBe(html);
    const api = await fetch(`${server.url}/v1/organization/nothing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('unknown_url');
    expect((await fetch(`${server.url}/assets/missing.js`, { headers: { accept: 'text/html' } })).status).toBe(404);
  });

  it('signs in with an admin key (a wrong key is refused) and lists the newest events first', async () => {
    await page.goto(`${server.url}/`);
    await page.fill('input[name=key]', 'sk-admin-not-a-real-key-000000000000');
    await page.click('button[type=submit]');
    await page.waitForSelector('text=That admin key is not valid');
    await page.fill('input[name=key]', server.adminKey);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/overview$/);
    await page.click('nav a:has-text("Audit logs")');
    await page.waitForURL(/\/logs$/);
    expect(await rowIds()).toEqual(await apiIds(''));
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await page.screenshot({ path: artifact('audit-logs-1280.png') });
  });

  it('filters by event type and by actor: exactly the rows the API returns, kept in the URL', async () => {
    const first = (await get('/v1/organization/audit_logs?limit=100')).data as { type: string; actor: any }[];
    // The most frequent type of the newest events, and an actor of that type.
    const counts = new Map<string, number>();
    for (const e of first) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    const type = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
    await page.click('.picker-button');
    await page.check(`input[name=event_type][value="${type}"]`);
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => u.searchParams.getAll('type').includes(type));
    const byType = await rowIds();
    expect(byType).toEqual(await apiIds(`&event_types[]=${type}`));
    expect(byType.length).toBeGreaterThan(0);

    const typed = (await get(`/v1/organization/audit_logs?limit=100&event_types[]=${type}`)).data as any[];
    const actorOf = (e: any): string | undefined => e.actor?.session?.user?.id ?? e.actor?.api_key?.user?.id ?? e.actor?.api_key?.id;
    const actor = typed.map(actorOf).find(Boolean) as string;
    await page.fill('input[name=actor]', actor);
    await page.press('input[name=actor]', 'Enter');
    await page.waitForURL((u) => u.searchParams.get('actor') === actor);
    const both = await rowIds();
    expect(both).toEqual(await apiIds(`&event_types[]=${type}&actor_ids[]=${encodeURIComponent(actor)}`));
    expect(both.length).toBeGreaterThan(0);
    expect(both.length).toBeLessThan(byType.length + 1);

    // A reload (or a shared link) shows the same view.
    await page.reload();
    expect(await rowIds()).toEqual(both);
    expect(await page.inputValue('input[name=actor]')).toBe(actor);
  });

  it('rows read as sentences with names from the directory API; a name filters on click', async () => {
    const dir = new Map(((await get('/v1/organization/directory')).data as { id: string; name: string | null }[]).map((d) => [d.id, d.name]));
    const sentences = async () => {
      await rowIds();
      return page.$$eval('table.events tbody tr[data-id]', (rows) =>
        rows.map((r) => [r.getAttribute('data-id'), r.querySelector('td.sentence')?.textContent ?? ''] as const),
      );
    };
    const check = async (type: string, expected: (e: any) => string) => {
      await page.goto(`${server.url}/logs?type=${type}`);
      const api = (await get(`/v1/organization/audit_logs?limit=50&event_types[]=${type}`)).data as any[];
      expect(api.length, type).toBeGreaterThan(0);
      expect(new Map(await sentences())).toEqual(new Map(api.map((e) => [e.id, expected(e)])));
    };
    const who = (e: any) =>
      e.actor.session?.user?.email ?? e.actor.api_key?.user?.email ?? dir.get(e.actor.api_key?.service_account?.id) ?? e.actor.api_key?.service_account?.id;
    const inProject = (e: any) => (e.project?.id ? ` in project ${dir.get(e.project.id) ?? e.project.name ?? e.project.id}` : '');
    await check('api_key.created', (e) => `${who(e)} created API key ${dir.get(e['api_key.created'].id) ?? e['api_key.created'].id}${inProject(e)}`);
    await check('login.failed', (e) => {
      const reason = e['login.failed']?.error_message as string | undefined;
      return `${who(e)} failed to sign in${reason ? ` (${reason.replace(/\.$/, '')})` : ''}${inProject(e)}`;
    });
    await check('project.created', (e) => `${who(e)} created project ${dir.get(e['project.created'].id) ?? e['project.created'].data.name}`);

    // Every project the demo's events name has its name in the directory, and the rows show it.
    await page.goto(`${server.url}/logs`);
    await rowIds();
    // The project an event happened in (data-role=project) filters with ?project=; a project that is
    // the event's target (project.created, .updated…) filters with ?resource= instead, so pick by role.
    // A locator (not an element handle) re-resolves if the names arriving re-render the row.
    const projectRef = page.locator('td.sentence button.ref[data-role="project"]').first();
    const projectId = (await projectRef.getAttribute('data-id')) as string;
    expect(projectId).toBeTruthy();
    const name = dir.get(projectId) as string;
    expect(name).toBeTruthy();
    // The directory's names arrive after the rows: wait for the name rather than read the id.
    await page.waitForFunction(([id, n]) => document.querySelector(`td.sentence button.ref[data-role="project"][data-id="${id}"]`)?.textContent === n, [
      projectId,
      name,
    ] as const);
    await projectRef.click();
    // pushState fires no load event: wait on the location itself.
    await page.waitForFunction((id) => new URLSearchParams(location.search).get('project') === id, projectId);
    expect(await rowIds()).toEqual(await apiIds(`&project_ids[]=${projectId}`));
    await page.screenshot({ path: artifact('audit-logs-sentences-1280.png') });
  });

  it('opens an event: cards with names, the whole event as JSON, the open event in the URL', async () => {
    const ids = await rowIds();
    const target = ids[0] as string;
    const listQuery = new URL(page.url()).searchParams.toString().replace('type=', 'event_types[]=').replace('actor=', 'actor_ids[]=');
    await page.click(`tr[data-id="${target}"] button.open-event`);
    await page.waitForURL((u) => u.searchParams.get('event') === target);
    const shown = JSON.parse((await page.textContent('[data-testid=event-json]')) ?? '');
    const listed = (await get(`/v1/organization/audit_logs?limit=50&${listQuery}`)).data;
    const event = listed.find((e: { id: string }) => e.id === target);
    expect(shown).toEqual(event);
    // The project card shows the directory's name for the event's project.
    if (event.project?.id) {
      const dir = (await get('/v1/organization/directory')).data as { id: string; name: string | null }[];
      const name = dir.find((d) => d.id === event.project.id)?.name;
      expect(await page.textContent('[data-testid=detail-project]')).toBe(name ?? event.project.id);
    }
    await page.click('button:has-text("Copy JSON")');
    await page.waitForSelector('button.copy:has-text("Copied")');
    await page.screenshot({ path: artifact('audit-log-detail-1280.png') });
    // A reload (a shared link) opens the same event.
    await page.reload();
    await page.waitForSelector('[data-testid=event-json]');
    expect(JSON.parse((await page.textContent('[data-testid=event-json]')) ?? '').id).toBe(target);
    await page.keyboard.press('Escape');
    await page.waitForURL((u) => !u.searchParams.has('event'));
    expect(await page.$('.detail')).toBeNull();
  });

  it('pages forward and back through the cursors', async () => {
    await page.click('button:has-text("Clear filters")');
    await page.waitForURL((u) => u.search === '');
    const page1 = await rowIds();
    expect(page1).toEqual(await apiIds(''));
    expect(await page.isDisabled('button:has-text("Newer")')).toBe(true);
    await page.click('button:has-text("Older")');
    await page.waitForURL((u) => u.searchParams.get('after') === page1.at(-1));
    const page2 = await rowIds();
    expect(page2).toEqual(await apiIds(`&after=${page1.at(-1)}`));
    await page.click('button:has-text("Older")');
    await page.waitForURL((u) => u.searchParams.get('after') === page2.at(-1));
    const page3 = await rowIds();
    expect(page3).toEqual(await apiIds(`&after=${page2.at(-1)}`));
    await page.click('button:has-text("Newer")');
    await page.waitForURL((u) => u.searchParams.get('before') === page3[0]);
    expect(await rowIds()).toEqual(page2);
    await page.click('button:has-text("Newer")');
    await page.waitForURL((u) => u.searchParams.get('before') === page2[0]);
    expect(await rowIds()).toEqual(page1);
    expect(await page.isDisabled('button:has-text("Newer")')).toBe(true);
  });

  it('renders a usage chart stacked by model, with the API totals in its table', async () => {
    await page.click('nav a:has-text("Usage")');
    await page.selectOption('select[name=range]', '7');
    await page.waitForURL((u) => u.searchParams.get('range') === '7');
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const view = await page.$('section.usage');
    const start = await view?.getAttribute('data-start');
    const end = await view?.getAttribute('data-end');
    const api = await get(`/v1/organization/usage/completions?start_time=${start}&end_time=${end}&bucket_width=1d&limit=7&group_by[]=model`);
    const expected = new Map<string, number>();
    for (const b of api.data) for (const r of b.results) expected.set(r.model, (expected.get(r.model) ?? 0) + r.input_tokens);
    const shown = await page.$$eval('.series-table tbody tr', (rows) =>
      rows.map((r) => [r.querySelector('th')?.textContent ?? '', Number((r.querySelector('td')?.textContent ?? '').replaceAll(',', ''))] as const),
    );
    expect(new Map(shown)).toEqual(expected);
    expect(expected.size).toBeGreaterThan(0);
    expect(await page.$$eval('.chart rect.segment', (s) => s.length)).toBeGreaterThan(0);
    expect(await page.$$eval('.breakdown-table tr[data-measure=input_cached_tokens] td.num', (c) => c[0]?.textContent)).toBe(
      api.data
        .flatMap((b: any) => b.results)
        .reduce((a: number, r: any) => a + r.input_cached_tokens, 0)
        .toLocaleString('en-US'),
    );
    await page.screenshot({ path: artifact('usage-1280.png'), fullPage: true });
  });

  it('shows vector-store bytes as a level (latest, peak, average of the readings), never summed over days', async () => {
    await page.goto(`${server.url}/usage?kind=vector_stores&width=1d&range=7&group=none`);
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    const view = await page.$('section.usage');
    const [start, end] = await Promise.all(['data-start', 'data-end'].map((a) => view?.getAttribute(a)));
    const api = await get(`/v1/organization/usage/vector_stores?start_time=${start}&end_time=${end}&bucket_width=1d&limit=7`);
    const readings = api.data.filter((b: any) => b.results.length > 0).map((b: any) => b.results.reduce((a: number, r: any) => a + r.usage_bytes, 0));
    expect(readings.length).toBeGreaterThan(1);
    const avg = readings.reduce((a: number, b: number) => a + b, 0) / readings.length;
    expect(await page.textContent('[data-testid=usage-headline]')).toBe(
      `Latest ${formatBytes(readings.at(-1))} · peak ${formatBytes(Math.max(...readings))} · average ${formatBytes(avg)}`,
    );
    expect(await page.$$eval('.series-table thead th', (ths) => ths.slice(1, 4).map((t) => t.textContent))).toEqual(['Latest', 'Peak', 'Average']);
    await page.screenshot({ path: artifact('usage-vector-stores-1280.png'), fullPage: true });
  });

  it('renders the costs chart; the CSV download is exactly what the API returned', async () => {
    await page.click('nav a:has-text("Costs")');
    await page.waitForSelector('section.card[aria-busy="false"] .series-table');
    expect(await page.$$eval('.chart rect.segment', (s) => s.length)).toBeGreaterThan(0);
    const view = await page.$('section.costs');
    const [start, end, days] = await Promise.all(['data-start', 'data-end', 'data-days'].map((a) => view?.getAttribute(a)));
    const api = await get(`/v1/organization/costs?start_time=${start}&end_time=${end}&bucket_width=1d&limit=${days}&group_by[]=project_id`);
    const expected = ['date,start_time,end_time,project_id,amount,currency'];
    let total = 0;
    for (const b of api.data) {
      for (const r of b.results) {
        expected.push(
          [new Date(b.start_time * 1000).toISOString().slice(0, 10), b.start_time, b.end_time, r.project_id ?? '', r.amount.value, r.amount.currency].join(','),
        );
        total += r.amount.value;
      }
    }
    expect(expected.length).toBeGreaterThan(1);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Download CSV")')]);
    const csv = readFileSync((await download.path()) as string, 'utf8');
    expect(csv.trimEnd().split('\r\n')).toEqual(expected);
    expect(await page.textContent('[data-testid=range-total]')).toBe(total.toLocaleString('en-US', { style: 'currency', currency: 'USD' }));
    await page.screenshot({ path: artifact('costs-1280.png'), fullPage: true });
  });

  it('costs by line item: quantities and amounts as the API sums them', async () => {
    const view = await page.$('section.costs');
    const [start, end, days] = await Promise.all(['data-start', 'data-end', 'data-days'].map((a) => view?.getAttribute(a)));
    const api = await get(`/v1/organization/costs?start_time=${start}&end_time=${end}&bucket_width=1d&limit=${days}&group_by[]=line_item`);
    const expected = new Map<string, { q: number; a: number }>();
    for (const b of api.data) {
      for (const r of b.results) {
        const e = expected.get(r.line_item) ?? { q: 0, a: 0 };
        e.q += r.quantity ?? 0;
        e.a += r.amount.value;
        expected.set(r.line_item, e);
      }
    }
    const shown = await page.$$eval('[data-testid=line-items] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-line-item') as string, [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')] as const),
    );
    expect(shown.length).toBe(expected.size);
    for (const [item, cells] of shown) {
      const e = expected.get(item);
      expect(cells[0], item).toBe(Math.round(e?.q ?? 0).toLocaleString('en-US'));
      expect(cells[3], item).toBe((e?.a ?? 0).toLocaleString('en-US', { style: 'currency', currency: 'USD' }));
    }
  });

  it('the costs view says which usage is unpriced (none for the demo; a model without a price after it arrives)', async () => {
    expect(await page.$('[data-testid=unpriced]')).toBeNull();
    const res = await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ model: 'acme-unlisted-1', input_tokens: 1000, output_tokens: 10, num_model_requests: 1 }] },
    });
    expect(res.status).toBe(200);
    await page.click('nav a:has-text("Keys")');
    await page.click('nav a:has-text("Costs")');
    const note = await page.waitForSelector('[data-testid=unpriced]');
    expect(await note.textContent()).toContain('1 record of acme-unlisted-1 (completions, default tier)');
  });

  it('creates a key (secret shown once) and revokes it', async () => {
    await page.click('nav a:has-text("Keys")');
    await page.fill('input[name=name]', 'console test key');
    await page.click('button:has-text("Create key")');
    const secret = (await page.textContent('[data-testid=new-secret]')) as string;
    expect(secret).toMatch(/^sk-admin-/);
    const auth = { key: secret };
    expect((await server.request('GET', '/v1/organization/audit_logs?limit=1', auth)).status).toBe(200);
    const keys = (await get('/v1/organization/admin_api_keys?limit=100')).data as { id: string; name: string }[];
    const created = keys.find((k) => k.name === 'console test key');
    expect(created).toBeTruthy();
    await page.waitForSelector(`tr[data-id="${created?.id}"]`);
    await page.screenshot({ path: artifact('keys-1280.png') });
    await page.click('button:has-text("Done")');
    expect(await page.$('[data-testid=new-secret]')).toBeNull();

    await page.click(`tr[data-id="${created?.id}"] button:has-text("Revoke")`);
    await page.click(`tr[data-id="${created?.id}"] button:has-text("Confirm revoke")`);
    await page.waitForSelector(`tr[data-id="${created?.id}"]`, { state: 'detached' });
    expect((await server.request('GET', '/v1/organization/audit_logs?limit=1', auth)).status).toBe(401);
    expect((await server.request('GET', `/v1/organization/admin_api_keys/${created?.id}`)).status).toBe(404);
  });

  it('works at 390 px and in dark mode without sideways scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', deviceScaleFactor: 2 });
    const p = await phone.newPage();
    await p.goto(`${server.url}/`);
    await p.fill('input[name=key]', server.adminKey);
    await p.click('button[type=submit]');
    await p.waitForSelector('[data-testid=security-counts]');
    await p.waitForSelector('[data-testid=mtd]:not(:has-text("…"))');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.screenshot({ path: artifact('overview-390-dark.png'), fullPage: true });
    await p.click('nav a:has-text("Audit logs")');
    await p.waitForSelector('table.events[aria-busy="false"] tbody tr[data-id]');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.screenshot({ path: artifact('audit-logs-390-dark.png') });
    await p.click('table.events tbody tr[data-id] button.open-event');
    await p.screenshot({ path: artifact('audit-log-detail-390-dark.png') });
    await p.keyboard.press('Escape');
    await p.click('nav a:has-text("Costs")');
    await p.waitForSelector('section.card[aria-busy="false"] .series-table');
    expect(await p.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await p.screenshot({ path: artifact('costs-390-dark.png'), fullPage: true });
    await p.click('nav a:has-text("Keys")');
    await p.waitForSelector('.key-table tbody tr');
    await p.screenshot({ path: artifact('keys-390-dark.png'), fullPage: true });
    await phone.close();
  });

  it('overview: month to date, the same days last month, projection, movers and security counts match the API', async () => {
    await page.click('nav a:has-text("Overview")');
    await page.waitForSelector('[data-testid=security-counts]');
    await page.waitForSelector('[data-testid=mtd]:not(:has-text("…"))');
    const now = Number(await page.getAttribute('section.overview', 'data-now'));
    const d = new Date(now * 1000);
    const thisStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
    const prevStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1) / 1000;
    const todayEnd = Math.floor(now / 86400) * 86400 + 86400;
    const sum = async (start: number, end: number) => {
      if (end <= start) return 0;
      const res = await get(`/v1/organization/costs?start_time=${start}&end_time=${end}&bucket_width=1d&limit=31`);
      return res.data.flatMap((b: any) => b.results).reduce((a: number, r: any) => a + r.amount.value, 0);
    };
    const usd = (n: number) => n.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
    const mtd = await sum(thisStart, todayEnd);
    expect(await page.textContent('[data-testid=mtd]')).toBe(usd(mtd));
    const sameDayEnd = Math.min(thisStart, prevStart + (Math.floor((now - thisStart) / 86400) + 1) * 86400);
    expect(await page.textContent('[data-testid=previous-same-day]')).toBe(usd(await sum(prevStart, sameDayEnd)));
    const nextStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
    expect(await page.textContent('[data-testid=projection]')).toBe(usd((mtd / Math.max(1, now - thisStart)) * (nextStart - thisStart)));

    // Security counts: each type's count over the last 7 days, as the API lists them.
    const rows = await page.$$eval('[data-testid=security-counts] tbody tr', (trs) =>
      trs.map((tr) => [tr.getAttribute('data-type') as string, Number(tr.querySelector('td')?.textContent)] as const),
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const [type, count] of rows.slice(0, 3)) {
      const res = await get(`/v1/organization/audit_logs?limit=100&event_types[]=${type}&effective_at[gte]=${now - 7 * 86400}&effective_at[lt]=${now}`);
      expect(count, type).toBe(res.data.length);
    }

    // Movers: each table as the API answers its own grouping (the console reads projects and keys
    // from one request grouped by both; here each comes from a request of its own).
    await page.waitForFunction(() => document.querySelectorAll('section.movers[aria-busy="false"]').length === 3);
    const split = todayEnd - 7 * 86400;
    const expectedMovers = async (group: string, keyOf: (r: any) => string) => {
      const res = await get(`/v1/organization/costs?start_time=${todayEnd - 14 * 86400}&end_time=${todayEnd}&bucket_width=1d&limit=14&group_by[]=${group}`);
      expect(res.has_more).toBe(false);
      const sums = new Map<string, { cur: number; prev: number }>();
      for (const b of res.data)
        for (const r of b.results) {
          const k = keyOf(r);
          const s = sums.get(k) ?? { cur: 0, prev: 0 };
          if (b.start_time >= split) s.cur += r.amount.value;
          else s.prev += r.amount.value;
          sums.set(k, s);
        }
      return [...sums]
        .filter(([, s]) => Math.abs(s.cur - s.prev) >= 0.005)
        .sort(([ka, a], [kb, b]) => Math.abs(b.cur - b.prev) - Math.abs(a.cur - a.prev) || ka.localeCompare(kb))
        .slice(0, 5)
        .map(([k, s]) => [k, usd(s.cur)]);
    };
    const shownMovers = (title: string) =>
      page.$$eval(`section.movers[aria-label="${title}"] tbody tr`, (trs) =>
        trs.map((tr) => [tr.getAttribute('data-key') as string, tr.querySelector('td')?.textContent ?? '']),
      );
    const orNone = (v: unknown) => (v === null || v === undefined || v === '' ? '(none)' : String(v));
    const projects = await expectedMovers('project_id', (r) => orNone(r.project_id));
    expect(projects.length).toBeGreaterThan(0);
    expect(await shownMovers('Projects')).toEqual(projects);
    expect(await shownMovers('Keys')).toEqual(await expectedMovers('api_key_id', (r) => orNone(r.api_key_id)));
    expect(await shownMovers('Models')).toEqual(await expectedMovers('line_item', (r) => String(r.line_item ?? '').split(', ')[0] || '(none)'));
    await page.screenshot({ path: artifact('overview-1280.png'), fullPage: true });
  });

  it('signs out: the key is gone and the sign-in form is back', async () => {
    await page.click('button:has-text("Sign out")');
    await page.waitForSelector('input[name=key]');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.waitForSelector('input[name=key]');
  });
});
