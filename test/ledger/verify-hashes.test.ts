/**
 * `verify --data` (verifyLedger) checks every stored hash, not only the leaves: proofs and tiles are
 * served from the stored subtree hashes, so a rewritten one must be caught even though the records
 * and the checkpoints' roots are untouched. Also: a body rewritten with the same content (other
 * formatting) verifies (verify's byte sorter misses it and the canonical JSON path decides), and
 * small pages (page edges inside subtrees) give the same result as one page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedHashIndex } from '../../src/features/ledger/merkle.js';
import { verifyLedger } from '../../src/features/ledger/verify.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { tamper } from './helpers.js';

let server: TestServer;
let vkey: string;
let size: number;

beforeAll(async () => {
  server = await startServer();
  for (let b = 0; b < 3; b++)
    await ingest(
      server,
      Array.from({ length: 100 }, (_, i) => ({
        id: `evt_h${b}_${i}`,
        type: 'login.succeeded',
        actor: { type: 'session', session: { user: { id: `u${i}`, email: `u${i}@example.com` } } },
      })),
    );
  await server.app.services.ledger.checkpointNow();
  vkey = server.app.services.ledger.signer.verifierKey;
  size = await server.store.ledger.ledgerLogSize('org-default', 'audit');
});
afterAll(async () => {
  await server?.close();
});

/** With a page size, leaves are hashed on a worker thread. */
const problems = async (pageSize?: number) =>
  (await verifyLedger(server.store.ledger, vkey, undefined, pageSize, pageSize === undefined ? 0 : 1)).problems
    .filter((p) => p.log === 'audit')
    .map((p) => `${p.leafIndex} ${p.recordId}: ${p.what}`);

const storedHash = async (idx: number) => ((await server.store.ledger.readLedgerHashes('org-default', 'audit', [idx])).get(idx) as Buffer).toString('hex');
const setHash = (idx: number, hex: string) =>
  tamper(server, `UPDATE ledger_hashes SET hash = '${hex}' WHERE org_id = 'org-default' AND log = 'audit' AND idx = ${idx}`);
const flip = (hex: string) => `${hex[0] === 'a' ? 'b' : 'a'}${hex.slice(1)}`;

describe('verify checks every stored hash', () => {
  it('an untouched store verifies, with one page or pages of 7 leaves', async () => {
    expect(size).toBeGreaterThanOrEqual(300);
    expect(await problems()).toEqual([]);
    expect(await problems(7)).toEqual([]);
    const r = await verifyLedger(server.store.ledger, vkey, undefined, 7);
    expect(r.leaves).toBe(size + (await server.store.ledger.ledgerLogSize('org-default', 'usage')));
  });

  it('a rewritten subtree hash (leaves 64..127) is named, though every record and checkpoint root still match', async () => {
    const idx = storedHashIndex(6, 1);
    const before = await storedHash(idx);
    await setHash(idx, flip(before));
    try {
      for (const page of [undefined, 7, 64]) {
        const found = await problems(page);
        expect(found, `page ${page}`).toEqual(['64 null: the logged hash of leaves 64..127 differs from the hash of its halves (logged hashes rewritten)']);
      }
      // ... and the proofs served from it no longer verify: the reason the check exists.
    } finally {
      await setHash(idx, before);
    }
    expect(await problems()).toEqual([]);
  });

  it('a rewritten leaf hash is named at the leaf and at the subtree it belongs to', async () => {
    const idx = storedHashIndex(0, 9);
    const before = await storedHash(idx);
    await setHash(idx, flip(before));
    try {
      const found = await problems(5);
      expect(found[0]).toMatch(/^9 \S+: the record differs from the logged leaf/);
      expect(found).toContain('8 null: the logged hash of leaves 8..9 differs from the hash of its halves (logged hashes rewritten)');
      expect(found).toHaveLength(2);
    } finally {
      await setHash(idx, before);
    }
  });

  it('a deleted stored hash is named', async () => {
    const idx = storedHashIndex(1, 20);
    const before = await storedHash(idx);
    await tamper(server, `DELETE FROM ledger_hashes WHERE org_id = 'org-default' AND log = 'audit' AND idx = ${idx}`);
    try {
      expect(await problems()).toEqual(['40 null: the logged hash of leaves 40..41 is missing']);
    } finally {
      await tamper(server, `INSERT INTO ledger_hashes (org_id, log, idx, hash) VALUES ('org-default', 'audit', ${idx}, '${before}')`);
    }
  });

  it('a body with the same content in another form verifies; a changed one does not', async () => {
    // spacing changed, content the same (the canonical JSON path decides)
    await tamper(server, `UPDATE audit_events SET body = replace(body, ',"type":', ', "type":') WHERE org_id = 'org-default' AND id = 'evt_h0_20'`);
    const texts = await server.store.ledger.ledgerLeafTexts('org-default', 'audit', 0, size);
    expect(texts.find((t) => t.recordId === 'evt_h0_20')?.text).toContain(', "type":');
    expect(await problems()).toEqual([]);
    await tamper(server, `UPDATE audit_events SET body = replace(body, 'u3@example.com', 'u4@example.com') WHERE org_id = 'org-default' AND id = 'evt_h0_3'`);
    const found = await problems();
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^\d+ evt_h0_3: the record differs from the logged leaf/);
    expect(found[1]).toMatch(/checkpoint of size \d+: the stored records do not give its signed root/);
  });
});
