/**
 * The ledger through the real HTTP API on either engine: leaves for every insert path (audit events,
 * the keys feature's own events, usage records, cost entries), idempotent replays adding none, signed
 * checkpoints, entry bundles and tiles that rebuild the signed root, inclusion proofs, and the errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootFromInclusion } from '../../src/features/ledger/merkle.js';
import { openCheckpoint } from '../../src/features/ledger/note.js';
import { tileIndexPath } from '../../src/features/ledger/tiles.js';
import { canonicalJson } from '../../src/lib/canonical-json.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { getBytes, rfcLeaf, rfcRoot, splitBundle } from './helpers.js';

let server: TestServer;
let verifierKey: string;
const auditSize = async () => Number((await server.sql<{ n: number }>("SELECT count(*) AS n FROM audit_events WHERE org_id = 'org-default'"))[0]?.n);

beforeAll(async () => {
  server = await startServer();
  // 300 events: more than one entry bundle, so full and partial tiles are both served.
  await ingest(
    server,
    Array.from({ length: 300 }, (_, i) => ({ id: `evt_l${i}`, type: 'login.succeeded' })),
  );
  await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'writes its own audit event' } });
  await server.app.services.ledger.checkpointNow();
  verifierKey = (await server.request('GET', '/v1/organization/ledger')).body.verifier_key;
});
afterAll(async () => {
  await server?.close();
});

async function auditLeaves(size: number): Promise<Buffer[]> {
  const leaves: Buffer[] = [];
  for (let n = 0; n * 256 < size; n++) {
    const w = Math.min(256, size - n * 256);
    const { status, bytes } = await getBytes(server, `/v1/organization/ledger/audit/tile/entries/${tileIndexPath(n)}${w < 256 ? `.p/${w}` : ''}`);
    expect(status).toBe(200);
    leaves.push(...splitBundle(bytes));
  }
  return leaves;
}

describe('ledger', () => {
  it('every audit event (the keys feature writes its own) is a leaf; the signed checkpoint is the RFC 6962 root of the entries', async () => {
    const size = await auditSize();
    expect(size).toBeGreaterThan(300);
    const summary = (await server.request('GET', '/v1/organization/ledger')).body;
    expect(summary.object).toBe('ledger');
    expect(verifierKey).toMatch(/^orgledger\.local\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    const audit = summary.logs.find((l: { name: string }) => l.name === 'audit');
    expect(audit.tree_size).toBe(size);
    expect(audit.origin).toBe('orgledger.local/org-default/audit');

    const res = await getBytes(server, '/v1/organization/ledger/audit/checkpoint');
    expect(res.type).toMatch(/^text\/plain/);
    const cp = openCheckpoint(res.bytes.toString(), verifierKey);
    expect(cp).toMatchObject({ origin: 'orgledger.local/org-default/audit', treeSize: size });
    const leaves = await auditLeaves(size);
    expect(leaves).toHaveLength(size);
    expect(rfcRoot(leaves.map(rfcLeaf)).equals(cp.rootHash)).toBe(true);

    // Leaf data is the event exactly as listed, canonicalized: leaf index = seq - 1.
    const listed = (await server.request('GET', '/v1/organization/audit_logs?limit=100')).body.data;
    const first = listed.find((e: { id: string }) => e.id === 'evt_l299');
    expect(leaves.map((l) => l.toString())).toContain(canonicalJson(first));

    // Hash tile 0/000 holds the level-0 hashes of the first 256 leaves.
    const tile = await getBytes(server, '/v1/organization/ledger/audit/tile/0/000');
    expect(tile.bytes.equals(Buffer.concat(leaves.slice(0, 256).map(rfcLeaf)))).toBe(true);
    // Tiles are sent as they are, even to a client that accepts gzip: hashes do not compress, and the
    // compression plugin labelled a tile whose first bytes look like zlib as gzip without compressing it.
    const raw = await fetch(`${server.url}/v1/organization/ledger/audit/tile/0/000`, {
      headers: { authorization: `Bearer ${server.adminKey}`, 'accept-encoding': 'gzip, br' },
    });
    expect(raw.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await raw.arrayBuffer()).equals(tile.bytes)).toBe(true);
    expect((await getBytes(server, '/v1/organization/ledger/audit/tile/1/000.p/1')).status).toBe(200);
    const level1 = await getBytes(server, '/v1/organization/ledger/audit/tile/1/000.p/1');
    expect(level1.bytes.equals(rfcRoot(leaves.slice(0, 256).map(rfcLeaf)))).toBe(true);
  });

  it('inclusion proofs of events verify against the signed root', async () => {
    const cp = openCheckpoint((await getBytes(server, '/v1/organization/ledger/audit/checkpoint')).bytes.toString(), verifierKey);
    const leaves = await auditLeaves(cp.treeSize);
    for (const id of ['evt_l0', 'evt_l137', 'evt_l255', 'evt_l299']) {
      const proof = (await server.request('GET', `/v1/organization/ledger/audit/proof/inclusion?id=${id}`)).body;
      expect(proof.tree_size).toBe(cp.treeSize);
      const leaf = rfcLeaf(leaves[proof.leaf_index] as Buffer);
      const root = rootFromInclusion(
        proof.leaf_index,
        proof.tree_size,
        leaf,
        proof.hashes.map((h: string) => Buffer.from(h, 'base64')),
      );
      expect(root?.equals(cp.rootHash)).toBe(true);
    }
  });

  it('idempotent replays add no leaf; usage records and cost entries are leaves of the usage log', async () => {
    const before = await auditSize();
    await ingest(server, [{ id: 'evt_l5', type: 'login.succeeded' }]);
    const [logRow] = await server.sql<{ size: number }>("SELECT size FROM ledger_logs WHERE org_id = 'org-default' AND log = 'audit'");
    expect(Number(logRow?.size)).toBe(before);

    const now = Math.floor(Date.now() / 1000);
    const usage = await server.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          { id: 'u1', model: 'gpt-4o', input_tokens: 10, output_tokens: 2, created_at: now },
          { id: 'u2', model: 'gpt-4o', input_tokens: 1, output_tokens: 1, created_at: now },
        ],
      },
    });
    expect(usage.status).toBe(200);
    await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ id: 'u1', model: 'gpt-4o', input_tokens: 10, output_tokens: 2, created_at: now }] },
    });
    const costs = await server.request('POST', '/v1/organization/costs', {
      body: { data: [{ id: 'c1', line_item: 'support', amount: { value: 3, currency: 'usd' } }] },
    });
    expect(costs.status).toBe(200);
    await server.app.services.ledger.checkpointNow();
    const cp = openCheckpoint((await getBytes(server, '/v1/organization/ledger/usage/checkpoint')).bytes.toString(), verifierKey);
    expect(cp.treeSize).toBe(3);
    const leaves = splitBundle((await getBytes(server, '/v1/organization/ledger/usage/tile/entries/000.p/3')).bytes);
    expect(rfcRoot(leaves.map(rfcLeaf)).equals(cp.rootHash)).toBe(true);
    expect(JSON.parse(leaves[2]?.toString() ?? '')).toMatchObject({ object: 'ledger.cost_entry', id: 'c1' });
    const proof = (await server.request('GET', '/v1/organization/ledger/usage/proof/inclusion?id=u2')).body;
    expect(proof.leaf_index).toBe(leaves.findIndex((l) => JSON.parse(l.toString()).id === 'u2'));
  });

  it('ingest acknowledgements carry each record’s leaf index, the original’s for a replay, matching its inclusion proof', async () => {
    const size = await auditSize();
    const ack = await server.request('POST', '/v1/organization/audit_logs', {
      body: {
        data: [
          { id: 'evt_ack0', type: 'login.succeeded' },
          { type: 'login.failed' },
          { id: 'evt_ack0', type: 'login.succeeded' },
          { id: 'evt_l7', type: 'login.succeeded' },
        ],
      },
    });
    expect(ack.status).toBe(200);
    expect(ack.body.data.map((d: { leaf_index: number }) => d.leaf_index)).toEqual([size, size + 1, size, 7]);
    const now = Math.floor(Date.now() / 1000);
    const usage = await server.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          { id: 'u-ack0', model: 'gpt-4o', input_tokens: 10, output_tokens: 2, created_at: now },
          { id: 'u-ack', model: 'gpt-4o', input_tokens: 1, output_tokens: 1, created_at: now },
        ],
      },
    });
    expect(usage.status).toBe(200);
    const replay = await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ id: 'u-ack0', model: 'gpt-4o', input_tokens: 10, output_tokens: 2, created_at: now }] },
    });
    expect(replay.body.data[0].leaf_index).toBe(usage.body.data[0].leaf_index);
    const costs = await server.request('POST', '/v1/organization/costs', {
      body: { data: [{ id: 'c-ack', line_item: 'support', amount: { value: 1, currency: 'usd' } }] },
    });
    await server.app.services.ledger.checkpointNow();
    for (const [log, d] of [
      ['audit', ack.body.data[1]],
      ['usage', usage.body.data[0]],
      ['usage', usage.body.data[1]],
      ['usage', costs.body.data[0]],
    ] as const) {
      const proof = (await server.request('GET', `/v1/organization/ledger/${log}/proof/inclusion?id=${d.id}`)).body;
      expect(d.leaf_index).toBe(proof.leaf_index);
    }
    expect(new Set([usage.body.data[1].leaf_index, costs.body.data[0].leaf_index]).size).toBe(2);
  });

  it('bad sizes, unknown ids and missing tiles answer 400/404 in the OpenAI envelope', async () => {
    const size = await auditSize();
    const cases: [string, number, string | null][] = [
      [`/v1/organization/ledger/audit/proof/inclusion?id=nope`, 404, 'id'],
      [`/v1/organization/ledger/audit/proof/inclusion?id=evt_l3&tree_size=${size + 5}`, 400, 'tree_size'],
      [`/v1/organization/ledger/audit/proof/inclusion?id=evt_l3&tree_size=2`, 400, 'tree_size'],
      [`/v1/organization/ledger/audit/proof/consistency?first=5&second=${size + 1}`, 400, 'second'],
      [`/v1/organization/ledger/audit/proof/consistency?first=9&second=5`, 400, 'first'],
      [`/v1/organization/ledger/audit/checkpoint?tree_size=7`, 404, 'tree_size'],
      [`/v1/organization/ledger/audit/tile/0/x001/000`, 404, null],
      [`/v1/organization/ledger/audit/tile/0/12`, 400, 'tile'],
      [`/v1/organization/ledger/nolog/checkpoint`, 404, null],
    ];
    for (const [path, status, param] of cases) {
      const res = await server.request('GET', path);
      expect([path, res.status]).toEqual([path, status]);
      expect(res.body.error.type).toBe('invalid_request_error');
      if (param) expect(res.body.error.param).toBe(param);
    }
  });
});
