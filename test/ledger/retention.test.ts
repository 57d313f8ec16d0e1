/**
 * Retention then verify, on either engine: retention prunes the old prefix of each log (records
 * deleted, leaf hashes kept, a signed prune note stored); verifyLedger reports those leaves as pruned,
 * not as deleted; every checkpoint, inclusion and consistency proof still verifies; the remote
 * auditor with --full rebuilds the root from hash tiles where records are gone. A record deleted
 * outside the pruned range, and a forged prune record, are still caught; a changed record stops the
 * prune short so its evidence stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteAudit } from '../../src/cli/ledger-remote.js';
import { rootFromInclusion, verifyConsistency } from '../../src/features/ledger/merkle.js';
import { openCheckpoint } from '../../src/features/ledger/note.js';
import { verifyLedger } from '../../src/features/ledger/verify.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { rfcLeaf, tamper } from './helpers.js';

let server: TestServer;
let vkey: string;
const DAY = 86400;
const now = Math.floor(Date.now() / 1000);
const OLD = 300; // old audit events: leaves 0..299, across the first entry bundle's edge
const NEW = 20;

beforeAll(async () => {
  server = await startServer();
  for (let from = 0; from < OLD; from += 100)
    await ingest(
      server,
      Array.from({ length: 100 }, (_, i) => ({ id: `evt_old${from + i}`, type: 'login.succeeded', effective_at: now - 100 * DAY + from + i })),
    );
  await ingest(
    server,
    Array.from({ length: NEW }, (_, i) => ({ id: `evt_new${i}`, type: 'login.succeeded', effective_at: now - 60 + i })),
  );
  const usage = (id: string, createdAt: number) => ({ id, model: 'gpt-4o', input_tokens: 10, output_tokens: 1, created_at: createdAt });
  // Leaf order is commit order: the old records first, then the new one.
  for (const data of [[usage('u_old1', now - 90 * DAY), usage('u_old2', now - 80 * DAY)], [usage('u_new1', now - 10)]])
    expect((await server.request('POST', '/v1/organization/usage/completions', { body: { data } })).status).toBe(200);
  await server.app.services.ledger.checkpointNow();
  vkey = server.app.services.ledger.signer.verifierKey;
});
afterAll(async () => {
  await server?.close();
});

const problemsOf = async () => (await verifyLedger(server.store.ledger, vkey)).problems.map((p) => `${p.log} ${p.leafIndex} ${p.recordId}: ${p.what}`);

describe('retention', () => {
  it('is set through the API (admin_api_keys.manage) and shown', async () => {
    const set = await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: 30 * DAY, usage_seconds: 30 * DAY } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({
      object: 'ledger.retention',
      logs: [
        { name: 'audit', retention_seconds: 30 * DAY, pruned_size: 0, pruned_at: null },
        { name: 'usage', retention_seconds: 30 * DAY, pruned_size: 0, pruned_at: null },
      ],
    });
    const bad = await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: -5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toContain('audit_seconds');
  });

  it('stops short of a changed record, so the evidence stays', async () => {
    await tamper(server, "UPDATE audit_events SET body = replace(body, 'login.succeeded', 'login.succeedeD') WHERE org_id = 'org-default' AND seq = 151");
    const results = await server.app.services.retention.apply('org-default');
    const audit = results.find((r) => r.log === 'audit');
    expect(audit).toMatchObject({ from: 0, to: 150, deleted: 150 });
    expect(audit?.stopped).toMatch(/^leaf 150: record evt_old150 differs from its logged hash/);
    expect(results.find((r) => r.log === 'usage')).toEqual({ orgId: 'org-default', log: 'usage', from: 0, to: 2, deleted: 2 });
    const problems = await problemsOf();
    // Both signed roots fail: beforeAll's, and the one apply signed after the retention change (itself
    // an organization.updated audit event, leaf OLD + NEW).
    expect(problems).toEqual([
      expect.stringMatching(/^audit 150 evt_old150: the record differs/),
      expect.stringContaining(`checkpoint of size ${OLD + NEW}:`),
      expect.stringContaining(`checkpoint of size ${OLD + NEW + 1}:`),
    ]);
    await tamper(server, "UPDATE audit_events SET body = replace(body, 'login.succeedeD', 'login.succeeded') WHERE org_id = 'org-default' AND seq = 151");
  });

  it('prunes the old prefix; verify reports it as pruned, not deleted', async () => {
    const before = openCheckpoint(await server.app.services.ledger.checkpoint('org-default', 'audit'), vkey);
    const results = await server.app.services.retention.apply('org-default');
    expect(results.find((r) => r.log === 'audit')).toEqual({ orgId: 'org-default', log: 'audit', from: 150, to: OLD, deleted: OLD - 150 });
    expect(results.find((r) => r.log === 'usage')).toEqual({ orgId: 'org-default', log: 'usage', from: 2, to: 2, deleted: 0 });

    const verified = await verifyLedger(server.store.ledger, vkey);
    expect(verified.problems).toEqual([]);
    expect(verified.pruned.map((p) => [p.log, p.prunedSize, p.gone])).toEqual([
      ['audit', OLD, OLD],
      ['usage', 2, 2],
    ]);
    // + 1: the retention change's organization.updated event.
    expect(verified.leaves).toBe(OLD + NEW + 1 + 3);

    // Lists no longer hold the pruned records; the new ones stay.
    const list = await server.request('GET', '/v1/organization/audit_logs?limit=100');
    expect(list.body.data.map((e: { id: string; type: string }) => (e.type === 'organization.updated' ? e.type : e.id)).sort()).toEqual(
      [...Array.from({ length: NEW }, (_, i) => `evt_new${i}`), 'organization.updated'].sort(),
    );
    expect(await server.sql("SELECT id FROM usage_records WHERE org_id = 'org-default'")).toEqual([{ id: 'u_new1' }]);

    // A remaining record's inclusion proof and the consistency proof from before the prune still verify.
    await ingest(server, [{ id: 'evt_late', type: 'login.succeeded', effective_at: now }]);
    await server.app.services.ledger.checkpointNow();
    const after = openCheckpoint(await server.app.services.ledger.checkpoint('org-default', 'audit'), vkey);
    const proof = await server.app.services.ledger.inclusion('org-default', 'audit', 'evt_new3');
    const [event] = (await server.request('GET', '/v1/organization/audit_logs?limit=100')).body.data.filter((e: { id: string }) => e.id === 'evt_new3');
    const { canonicalJson } = await import('../../src/lib/canonical-json.js');
    const root = rootFromInclusion(
      proof.leaf_index,
      proof.tree_size,
      rfcLeaf(Buffer.from(canonicalJson(event))),
      proof.hashes.map((h) => Buffer.from(h, 'base64')),
    );
    expect(root?.equals(after.rootHash)).toBe(true);
    // + 1: the retention change's organization.updated event (leaf OLD + NEW); then evt_late.
    expect([before.treeSize, after.treeSize]).toEqual([OLD + NEW + 1, OLD + NEW + 2]);
    const c = await server.app.services.ledger.consistency('org-default', 'audit', before.treeSize, after.treeSize);
    const hashes = c.hashes.map((h) => Buffer.from(h, 'base64'));
    expect(verifyConsistency(before.treeSize, after.treeSize, before.rootHash, after.rootHash, hashes)).toBe(true);

    // The served state and the signed prune record.
    const shown = await server.request('GET', '/v1/organization/ledger/retention');
    expect(shown.body.logs[0]).toMatchObject({ name: 'audit', pruned_size: OLD });
    const note = await server.request('GET', '/v1/organization/ledger/audit/pruned');
    expect(note.status).toBe(200);
    expect(String(note.body)).toMatch(new RegExp(`^orgledger.local/org-default/audit\\npruned ${OLD}\\n\\d+\\n\\n— `));
  });

  it('the remote auditor with --full rebuilds each root from hash tiles below the pruned size and entry bundles above', async () => {
    const result = await remoteAudit({ url: server.url, key: server.adminKey, vkey, full: true });
    expect(result.problems).toEqual([]);
    expect(result.lines).toEqual([
      expect.stringMatching(new RegExp(`/audit: tree size ${OLD + NEW + 2}, first seen, pruned by retention up to leaf ${OLD} \\(signed\\), leaves rehashed`)),
      expect.stringMatching(/\/usage: tree size 3, first seen, pruned by retention up to leaf 2 \(signed\), leaves rehashed/),
    ]);
  });

  it('still catches a record deleted outside the pruned range, and a forged prune record', async () => {
    await tamper(server, `DELETE FROM audit_events WHERE org_id = 'org-default' AND seq = ${OLD + 5}`);
    if (server.store.engine === 'postgres') await tamper(server, `DELETE FROM audit_event_ids WHERE org_id = 'org-default' AND seq = ${OLD + 5}`);
    // A prune record claiming more, its note edited (the attacker has no key).
    await tamper(
      server,
      `INSERT INTO ledger_prunes (org_id, log, pruned_size, pruned_at, note)
       SELECT org_id, log, ${OLD + 10}, pruned_at, replace(note, 'pruned ${OLD}', 'pruned ${OLD + 10}') FROM ledger_prunes WHERE org_id = 'org-default' AND log = 'audit' AND pruned_size = ${OLD}`,
    );
    const problems = await problemsOf();
    expect(problems).toContain(`audit ${OLD + 4} null: the record of this leaf is missing (deleted)`);
    expect(
      problems.some((p) => p.startsWith(`audit ${OLD + 10} null: the record that leaves below ${OLD + 10} were pruned by retention does not verify`)),
    ).toBe(true);
    const remote = await remoteAudit({ url: server.url, key: server.adminKey, vkey, full: true });
    expect(remote.problems.some((p) => p.includes('/audit: prune record: no valid signature'))).toBe(true);
  });
});
