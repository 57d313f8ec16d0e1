/**
 * An audit event's ledger check in the console's event detail, in a real browser (Debian chromium)
 * against a real server on either engine: the leaf index and "verified" for a real event (leaf hash
 * from the event's JCS, root from the inclusion proof, Ed25519 signature of the checkpoint with
 * WebCrypto); "failed" with the reason when the stored row is changed through SQL behind orgledger's
 * back, when a wrong proof or a checkpoint with a broken signature is served; "not yet covered" when
 * the proof's tree predates the event. axe finds no serious violation on the panel.
 */
import { createRequire } from 'node:module';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { tamper } from '../ledger/helpers.js';
import { artifact, HAS_CHROMIUM, openConsole } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

describe.skipIf(!HAS_CHROMIUM)('console: an event’s inclusion checked in the browser (chromium)', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let eventId: string;
  let ackLeaf: number;

  beforeAll(async () => {
    ({ server, browser, page } = await openConsole({
      bypassCSP: true,
      signIn: true,
      prepare: async (s) => {
        // Details that exercise the JCS: keys out of order, non-ASCII text, escapes, numbers.
        const res = await s.request('POST', '/v1/organization/audit_logs', {
          body: {
            data: [
              { type: 'user.added', 'user.added': { id: 'user_lc1', data: { role: 'owner' } } },
              {
                type: 'project.created',
                effective_at: Math.floor(Date.now() / 1000) - 30,
                project: { name: 'Recherche — été 日本 "q"\\', id: 'proj_lc' },
                'project.created': { id: 'proj_lc', data: { title: 'Zürich\tÅ 😀', name: 'Recherche — été 日本 "q"\\' } },
              },
              { type: 'api_key.created', 'api_key.created': { id: 'key_lc', data: { scopes: ['api.model.request'] } } },
            ],
          },
        });
        expect(res.status).toBe(200);
        eventId = res.body.data[1].id;
        ackLeaf = res.body.data[1].leaf_index;
        await s.app.services.ledger.checkpointNow();
      },
    }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens the event's detail from its URL and waits until the check has an outcome. */
  async function openEvent(): Promise<{ state: string; leaf: string; text: string }> {
    await page.goto(`${server.url}/logs?event=${eventId}`);
    const panel = page.locator('aside.detail [data-testid=ledger-check]:not([data-state=checking])');
    await panel.waitFor();
    return {
      state: (await panel.getAttribute('data-state')) ?? '',
      leaf: (await panel.getAttribute('data-leaf-index')) ?? '',
      text: (await panel.textContent()) ?? '',
    };
  }

  async function axeSerious(): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    return page.evaluate(
      'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id + ": " + v.help))',
    ) as Promise<string[]>;
  }

  it('the browser has Ed25519 in WebCrypto (so no library is bundled)', async () => {
    const ok = await page.evaluate(async () => {
      const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])) as CryptoKeyPair;
      const data = new TextEncoder().encode('x');
      return crypto.subtle.verify({ name: 'Ed25519' }, pair.publicKey, await crypto.subtle.sign({ name: 'Ed25519' }, pair.privateKey, data), data);
    });
    expect(ok).toBe(true);
  });

  it('verifies a real event: its leaf index, the signed root, and the checkpoint it was checked against', async () => {
    const proof = await server.request('GET', `/v1/organization/ledger/audit/proof/inclusion?id=${eventId}`);
    expect(proof.status).toBe(200);
    const cp = await server.request('GET', `/v1/organization/ledger/audit/checkpoint?tree_size=${proof.body.tree_size}`);
    const root = String(cp.body).split('\n')[2];
    const result = await openEvent();
    expect(result.state).toBe('verified');
    expect(result.leaf).toBe(String(ackLeaf));
    expect(proof.body.leaf_index).toBe(ackLeaf);
    expect(result.text).toContain('Verified in this browser');
    expect(result.text).toContain(`of ${proof.body.tree_size.toLocaleString('en-US')} leaves`);
    expect(result.text).toContain(root);
    expect(result.text).toContain(server.app.services.ledger.signer.verifierKey);
    await page.screenshot({ path: artifact('ledger-check-verified-1440.png'), fullPage: true });
    expect(await axeSerious()).toEqual([]);
  });

  it('fails, saying why, when the stored event is changed through SQL behind orgledger’s back', async () => {
    const sql = (from: string, to: string) =>
      `UPDATE audit_events SET body = replace(body, '${from}', '${to}') WHERE org_id = 'org-default' AND id = '${eventId}'`;
    await tamper(server, sql('Zürich', 'Zurich'));
    try {
      const served = (await server.request('GET', '/v1/organization/audit_logs?limit=10')).body.data.find((e: { id: string }) => e.id === eventId);
      expect(JSON.stringify(served)).toContain('Zurich');
      const result = await openEvent();
      expect(result.state).toBe('failed');
      expect(result.text).not.toContain('Verified');
      expect(result.text).toContain('do not lead to the signed root');
      expect(result.leaf).toBe(String(ackLeaf));
      await page.screenshot({ path: artifact('ledger-check-failed-1440.png'), fullPage: true });
      expect(await axeSerious()).toEqual([]);
    } finally {
      await tamper(server, sql('Zurich', 'Zürich'));
    }
    expect((await openEvent()).state).toBe('verified');
  });

  /** Serves the real answer to `pattern` with `change` applied to its body. */
  async function servedChanged(pattern: string, change: (body: string) => string): Promise<{ state: string; text: string }> {
    const handler = async (route: Route) => {
      const real = await route.fetch();
      await route.fulfill({ response: real, body: change(await real.text()) });
    };
    await page.route(pattern, handler);
    try {
      return await openEvent();
    } finally {
      await page.unroute(pattern, handler);
    }
  }

  it('fails when a wrong inclusion proof is served', async () => {
    const result = await servedChanged('**/v1/organization/ledger/audit/proof/inclusion?*', (body) => {
      const proof = JSON.parse(body) as { hashes: string[] };
      expect(proof.hashes.length).toBeGreaterThan(0);
      const first = Buffer.from(proof.hashes[0] as string, 'base64');
      first[0] = (first[0] as number) ^ 1;
      proof.hashes[0] = first.toString('base64');
      return JSON.stringify(proof);
    });
    expect(result.state).toBe('failed');
    expect(result.text).toContain('do not lead to the signed root');
  });

  it('fails when the checkpoint’s signature does not verify (a forged root)', async () => {
    const result = await servedChanged('**/v1/organization/ledger/audit/checkpoint?*', (note) => {
      const lines = note.split('\n');
      lines[2] = Buffer.alloc(32, 7).toString('base64');
      return lines.join('\n');
    });
    expect(result.state).toBe('failed');
    expect(result.text).toContain('signature does not verify with the verifier key');
  });

  it('the Ledger view checks each checkpoint’s signature in the browser, and says so when one does not verify', async () => {
    await page.goto(`${server.url}/ledger`);
    const audit = page.locator('[data-testid=signature-audit]:not([data-state=checking])');
    await audit.waitFor();
    expect(await audit.getAttribute('data-state')).toBe('verified');
    expect(await audit.textContent()).toContain('Signature verified in this browser');
    expect(await axeSerious()).toEqual([]);
    const pattern = '**/v1/organization/ledger/audit/checkpoint?*';
    const handler = async (route: Route) => {
      const real = await route.fetch();
      const lines = (await real.text()).split('\n');
      lines[1] = String(Number(lines[1]) + 1);
      await route.fulfill({ response: real, body: lines.join('\n') });
    };
    await page.route(pattern, handler);
    try {
      await page.goto(`${server.url}/ledger`);
      await audit.waitFor();
      expect(await audit.getAttribute('data-state')).toBe('failed');
      expect(await audit.textContent()).toContain('does not verify');
      expect(await audit.textContent()).not.toContain('verified in this browser');
    } finally {
      await page.unroute(pattern, handler);
    }
  });

  it('a retention change reads as a before/after table from the event itself, and verifies', async () => {
    expect((await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: 400 * 86400 } })).status).toBe(200);
    expect((await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: 90 * 86400 } })).status).toBe(200);
    const [change] = (await server.request('GET', '/v1/organization/audit_logs?event_types[]=organization.updated&limit=1')).body.data;
    await server.app.services.ledger.checkpointNow();
    await page.goto(`${server.url}/logs?event=${change.id}`);
    const row = page.locator('aside.detail [data-testid=changes] tbody tr');
    await row.first().waitFor();
    expect(await row.allTextContents()).toEqual([`audit_log_retention_seconds${400 * 86400}${90 * 86400}`]);
    await page.locator('aside.detail [data-testid=ledger-check][data-state=verified]').waitFor();
  });

  it('says "not yet covered by a checkpoint" (and nothing green) when the signed tree predates the event', async () => {
    // Ask the real server for a tree that ends before the event: its real 400 on tree_size.
    const pattern = '**/v1/organization/ledger/audit/proof/inclusion?*';
    const handler = (route: Route) => route.continue({ url: `${route.request().url()}&tree_size=${ackLeaf}` });
    await page.route(pattern, handler);
    try {
      const result = await openEvent();
      expect(result.state).toBe('pending');
      expect(result.text).toContain('Not yet covered by a checkpoint');
      expect(result.text).not.toContain('Verified');
      expect(await axeSerious()).toEqual([]);
    } finally {
      await page.unroute(pattern, handler);
    }
  });
});
