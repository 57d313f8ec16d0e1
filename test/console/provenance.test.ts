/**
 * The event detail's provenance in a real browser (Debian chromium) against a real server: an event a
 * key ingested names that key (by its name), the time and the request id as the provenance endpoint
 * answers them; an event orgledger recorded itself says so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { artifact, buildConsole, HAS_CHROMIUM, launchChromium, newPage, signIn } from './browser.js';

describe.skipIf(!HAS_CHROMIUM)('console event provenance (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let writer: { id: string; value: string };
  let ingestedId: string;
  let requestId: string;

  beforeAll(async () => {
    await buildConsole();
    server = await startServer();
    writer = (await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'gateway-writer', scopes: ['audit_logs.write'] } })).body;
    const sent = await server.request('POST', '/v1/organization/audit_logs', {
      key: writer.value,
      body: { data: [{ type: 'project.created', effective_at: Math.floor(Date.now() / 1000) - 30, 'project.created': { id: 'proj_prov' } }] },
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    ingestedId = sent.body.data[0].id;
    requestId = sent.headers.get('x-request-id') as string;
    browser = await launchChromium();
    page = await newPage(browser);
    await signIn(page, server.url, server.adminKey);
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const provenance = async (id: string) => (await server.request('GET', `/v1/organization/audit_logs/${id}/provenance`)).body;
  const shown = () =>
    page.$eval('[data-testid=detail-provenance]', (el) => ({
      by: el.getAttribute('data-ingested-by'),
      request: el.getAttribute('data-request-id'),
      at: el.getAttribute('data-ingested-at'),
      orgledger: el.getAttribute('data-recorded-by-orgledger'),
      text: el.textContent ?? '',
    }));

  it('names the ingesting key, the time and the request id of an ingested event, as the API answers them', async () => {
    await page.goto(`${server.url}/logs?event=${ingestedId}`);
    await page.waitForSelector('[data-testid=detail-provenance][aria-busy=false][data-ingested-at]');
    // The key's name comes from the directory, which may arrive after the provenance.
    await page.waitForFunction(() => document.querySelector('[data-testid=detail-provenance] strong')?.textContent === 'gateway-writer');
    const api = await provenance(ingestedId);
    expect(api).toMatchObject({ ingested_by: writer.id, request_id: requestId, recorded_by_orgledger: false });
    const s = await shown();
    expect(s).toMatchObject({ by: api.ingested_by, request: api.request_id, at: String(api.ingested_at), orgledger: 'false' });
    const utc = `${new Date(api.ingested_at * 1000).toISOString().replace('T', ' ').replace('.000Z', '')} UTC`;
    expect(s.text).toContain(`Ingested by key gateway-writer ${writer.id} at ${utc}, request ${requestId}`);
    await page.screenshot({ path: artifact('event-provenance-ingested-1440.png') });
  });

  it('says orgledger recorded an event of its own (the writer key’s creation)', async () => {
    const listed = await server.request('GET', `/v1/organization/audit_logs?event_types[]=api_key.created&resource_ids[]=${writer.id}`);
    const id: string = listed.body.data[0].id;
    await page.goto(`${server.url}/logs?event=${id}`);
    await page.waitForSelector('[data-testid=detail-provenance][aria-busy=false][data-ingested-at]');
    const api = await provenance(id);
    expect(api).toMatchObject({ ingested_by: null, request_id: null, recorded_by_orgledger: true });
    const s = await shown();
    expect(s).toMatchObject({ by: '', request: '', at: String(api.ingested_at), orgledger: 'true' });
    expect(s.text).toContain('Recorded by orgledger');
    expect(s.text).not.toContain('Ingested by key');
  });
});
