/**
 * Tampering through SQL behind orgledger's back, on either engine: a changed byte, a deleted middle
 * row, two swapped rows, deleted newest rows, a row inserted with a forged sequence number, a changed
 * usage record and rewritten checkpoints. verifyLedger (what `orgledger verify` runs) names each leaf.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/features/ledger/verify.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { tamper } from './helpers.js';

let server: TestServer;
let vkey: string;
const N = 40;

beforeAll(async () => {
  server = await startServer();
  await ingest(
    server,
    Array.from({ length: N }, (_, i) => ({ id: `evt_t${i}`, type: 'login.succeeded' })),
  );
  const now = Math.floor(Date.now() / 1000);
  await server.request('POST', '/v1/organization/usage/completions', {
    body: { data: [1, 2, 3].map((i) => ({ id: `u${i}`, model: 'gpt-4o', provider: 'openai', input_tokens: 10 * i, output_tokens: i, created_at: now })) },
  });
  await server.app.services.ledger.checkpointNow();
  vkey = server.app.services.ledger.signer.verifierKey;
});
afterAll(async () => {
  await server?.close();
});

/** verify's findings, hashing in place; hashing on a worker thread in pages of 7 leaves must find the same. */
const problemsAt = async () => {
  const found = async (pageSize?: number, workers?: number) =>
    (await verifyLedger(server.store.ledger, vkey, undefined, pageSize, workers)).problems.map((p) => `${p.log} ${p.leafIndex} ${p.recordId}: ${p.what}`);
  const inPlace = await found(undefined, 0);
  expect(await found(7, 1)).toEqual(inPlace);
  return inPlace;
};

describe('verify catches tampering', () => {
  it('an untouched store verifies', async () => {
    const r = await verifyLedger(server.store.ledger, vkey);
    expect(r.problems).toEqual([]);
    expect(r.leaves).toBe(N + 3);
    expect(r.checkpoints).toBe(2);
  });

  it('names the leaf of each change, deletion, swap and forged insert', async () => {
    // one changed byte in leaf 3
    await tamper(server, "UPDATE audit_events SET body = replace(body, 'login.succeeded', 'login.succeedeD') WHERE org_id = 'org-default' AND seq = 4");
    // leaf 7 deleted
    await tamper(server, "DELETE FROM audit_events WHERE org_id = 'org-default' AND seq = 8");
    // leaves 10 and 11 swapped
    for (const [from, to] of [
      [11, -11],
      [12, 11],
      [-11, 12],
    ])
      await tamper(server, `UPDATE audit_events SET seq = ${to} WHERE org_id = 'org-default' AND seq = ${from}`);
    // the newest leaf deleted
    await tamper(server, `DELETE FROM audit_events WHERE org_id = 'org-default' AND seq = ${N}`);
    // a row forged at seq N + 1
    if (server.store.engine === 'postgres')
      await tamper(
        server,
        `INSERT INTO audit_event_ids (org_id, id, effective_at, seq, content_hash) SELECT org_id, 'evt_forged', effective_at, ${N + 1}, content_hash FROM audit_event_ids WHERE org_id = 'org-default' AND seq = 2`,
      );
    await tamper(
      server,
      `INSERT INTO audit_events (org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body)
       SELECT org_id, ${N + 1}, 'evt_forged', effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, replace(body, 'evt_t1', 'evt_forged')
       FROM audit_events WHERE org_id = 'org-default' AND seq = 2`,
    );
    // leaf 20's body cut short (no longer JSON)
    await tamper(server, "UPDATE audit_events SET body = substr(body, 1, length(body) - 1) WHERE org_id = 'org-default' AND seq = 21");
    // leaf 25's body re-spaced: other bytes, the same JSON, so the same canonical leaf (not a change)
    await tamper(server, `UPDATE audit_events SET body = replace(body, '","', '", "') WHERE org_id = 'org-default' AND seq = 26`);
    // a usage record's tokens changed
    await tamper(server, "UPDATE usage_records SET input_tokens = 999 WHERE org_id = 'org-default' AND id = 'u2'");
    // another's provider changed (migration 9's column is part of the leaf)
    await tamper(server, "UPDATE usage_records SET provider = 'anthropic' WHERE org_id = 'org-default' AND id = 'u3'");

    const problems = await problemsAt();
    const expectLeaf = (text: string) =>
      expect(
        problems.some((p) => p.startsWith(text)),
        `${text} in\n${problems.join('\n')}`,
      ).toBe(true);
    expectLeaf('audit 3 evt_t3: the record differs');
    expectLeaf('audit 7 null: the record of this leaf is missing');
    expectLeaf('audit 20 evt_t20: the record is not valid JSON');
    expect(problems.filter((p) => p.startsWith('audit 25 '))).toEqual([]);
    expect(problems.filter((p) => /^audit 1[01] evt_t1[01]: the record differs/.test(p))).toHaveLength(2);
    expectLeaf(`audit ${N - 1} null: the record of this leaf is missing`);
    expectLeaf(`audit ${N} evt_forged: a record sits at leaf ${N}`);
    expect(problems.some((p) => /^usage \d+ u2: the record differs/.test(p))).toBe(true);
    expect(problems.some((p) => /^usage \d+ u3: the record differs/.test(p))).toBe(true);
    expect(problems.some((p) => p.includes(`checkpoint of size ${N}: the stored records do not give its signed root`))).toBe(true);
  });

  it('names a row forged in the record tables with no leaf (PostgreSQL: only in the partitioned audit_events, no id row)', async () => {
    // PostgreSQL: a row in audit_events alone, in another month's partition, with a fresh seq and no
    // audit_event_ids row; SQLite: a row at seq 0, which no leaf index reaches.
    const seq = server.store.engine === 'postgres' ? N + 5 : 0;
    await tamper(
      server,
      `INSERT INTO audit_events (org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body)
       SELECT org_id, ${seq}, 'evt_hidden', effective_at - 40 * 86400, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, replace(body, 'evt_t1', 'evt_hidden')
       FROM audit_events WHERE org_id = 'org-default' AND seq = 2`,
    );
    // a usage record with no usage-log leaf
    await tamper(
      server,
      "INSERT INTO usage_records (org_id, kind, created_at, id, model, input_tokens) SELECT org_id, kind, created_at, 'u_hidden', model, 5 FROM usage_records WHERE org_id = 'org-default' AND id = 'u1'",
    );
    const problems = await problemsAt();
    const hidden = problems.filter((p) => p.includes('evt_hidden'));
    expect(hidden, problems.join('\n')).toHaveLength(1);
    expect(hidden[0]).toMatch(new RegExp(`^audit null evt_hidden: a record is stored \\(seq ${seq}.*\\) that no leaf of the log names`));
    expect(problems.filter((p) => p.startsWith('usage null u_hidden: a record is stored (usage_records completions) that no leaf'))).toHaveLength(1);
  });

  it('rewritten checkpoints fail their signature', async () => {
    await tamper(server, "UPDATE ledger_checkpoints SET note = replace(note, '\n40\n', '\n39\n') WHERE org_id = 'org-default' AND log = 'audit'");
    const problems = await problemsAt();
    expect(problems.some((p) => p.includes(`checkpoint of size ${N}: signature does not verify`))).toBe(true);
  });
});
