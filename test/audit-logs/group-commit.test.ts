/**
 * Concurrent ingest shares transactions (group commit): a failing request must not take its
 * neighbours down, idempotency holds across concurrent requests, and every stored event has a dense
 * per-organization sequence number, contiguous within its batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let otherKey: string;
beforeAll(async () => {
  server = await startServer();
  otherKey = (await server.keys.createOrganization('second')).key.secret;
});
afterAll(async () => {
  await server.close();
});

const PATH = '/v1/organization/audit_logs';

function tagged(tag: string, n: number, withIds: boolean) {
  return Array.from({ length: n }, (_, i) => ({
    ...(withIds ? { id: `${tag}-${i}` } : {}),
    type: 'group.updated',
    effective_at: 1_700_000_000 + i,
    project: { id: tag },
    'group.updated': { id: `grp_${tag}_${i}`, changes_requested: { group_name: `g${i}` } },
  }));
}

/** seq, id and project of every stored event of an organization, read from the engine itself. */
async function storedRows(orgId: string): Promise<{ seq: number; id: string; project_id: string | null }[]> {
  if (!/^[\w-]+$/.test(orgId)) throw new Error(`unexpected org id ${orgId}`);
  const rows = await server.sql(`SELECT seq, id, project_id FROM audit_events WHERE org_id = '${orgId}' ORDER BY seq`);
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

describe('group commit', () => {
  it('concurrent batches: good ones all commit, conflicting ones fail alone, seq stays dense', async () => {
    await ingest(server, tagged('seed', 5, true));
    const requests: { tag: string; good: boolean; body: unknown }[] = [];
    for (let r = 0; r < 30; r++) {
      const tag = `req-${r}`;
      if (r % 6 === 5) {
        // a valid new event followed by a conflicting replay of seed-2
        const events = [...tagged(tag, 3, true), { ...tagged('seed', 5, true)[2], effective_at: 1_600_000_005 }];
        requests.push({ tag, good: false, body: { data: events } });
      } else requests.push({ tag, good: true, body: { data: tagged(tag, 10 + (r % 4), r % 2 === 0) } });
    }
    const results = await Promise.all(requests.map((q) => server.request('POST', PATH, { body: q.body })));
    results.forEach((res, i) => {
      const q = requests[i] as (typeof requests)[number];
      expect(res.status, `${q.tag}: ${JSON.stringify(res.body)}`).toBe(q.good ? 200 : 409);
      if (!q.good) expect(res.body.error.param).toBe('data[3].id');
    });

    const rows = await storedRows('org-default');
    const expectedCount = 5 + requests.filter((q) => q.good).reduce((sum, q) => sum + (q.body as any).data.length, 0);
    expect(rows).toHaveLength(expectedCount);
    // dense: consecutive numbers without gaps, even though some savepoints rolled back
    rows.forEach((row, i) => {
      expect(row.seq).toBe((rows[0]?.seq as number) + i);
    });
    // each request's events are contiguous and in input order
    for (const q of requests) {
      const mine = rows.filter((r) => r.project_id === q.tag);
      if (!q.good) {
        expect(mine).toEqual([]);
        continue;
      }
      const seqs = mine.map((r) => r.seq);
      expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] as number) + i));
    }
  });

  it('the same client ids sent concurrently are stored once; conflicting content: exactly one wins', async () => {
    const events = tagged('same', 4, true);
    const replays = await Promise.all(Array.from({ length: 8 }, () => server.request('POST', PATH, { body: { data: events } })));
    for (const r of replays) expect(r.status).toBe(200);
    expect((await storedRows('org-default')).filter((r) => r.project_id === 'same')).toHaveLength(4);

    const variants = Array.from({ length: 6 }, (_, v) => [{ id: 'contested', type: 'login.failed', effective_at: 1_700_000_000 + v }]);
    const raced = await Promise.all(variants.map((data) => server.request('POST', PATH, { body: { data } })));
    expect(raced.filter((r) => r.status === 200)).toHaveLength(1);
    expect(raced.filter((r) => r.status === 409)).toHaveLength(5);
  });

  it('organizations number their events separately and may reuse a client id', async () => {
    const mine = await ingest(server, tagged('org2', 3, true), otherKey);
    expect(mine).toEqual(['org2-0', 'org2-1', 'org2-2']);
    // the same client id in another organization is a different event, not a conflict
    const reused = await server.request('POST', PATH, { key: otherKey, body: { data: [{ ...tagged('x', 1, false)[0], id: 'seed-0' }] } });
    expect(reused.status).toBe(200);
    const orgs = await server.sql<{ org_id: string }>('SELECT DISTINCT org_id FROM audit_events');
    const other = orgs.map((o) => o.org_id).find((id) => id !== 'org-default') as string;
    const rows = await storedRows(other);
    expect(rows).toHaveLength(4);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => (rows[0]?.seq as number) + i));
  });

  it('under backpressure ingest answers 200 or a well-formed 429, and stores exactly the acknowledged events', async () => {
    const tight = await startServer({ maxPendingWrites: 1 });
    try {
      const results = await Promise.all(Array.from({ length: 40 }, (_, r) => tight.request('POST', PATH, { body: { data: tagged(`bp-${r}`, 5, false) } })));
      let acked = 0;
      for (const res of results) {
        expect([200, 429]).toContain(res.status);
        if (res.status === 200) acked += 5;
        else {
          expect(res.body.error.type).toBe('rate_limit_error');
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(res.headers.get('x-should-retry')).toBe('true');
        }
      }
      expect(acked).toBeGreaterThan(0);
      let stored = 0;
      for await (const _log of tight.client().admin.organization.auditLogs.list({ event_types: ['group.updated'], limit: 100 })) stored++;
      expect(stored).toBe(acked);
    } finally {
      await tight.close();
    }
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
