/**
 * Pagination of GET /v1/organization/audit_logs: the SDK's auto-pagination over many pages, raw
 * after/before walks, and exact first_id/last_id/has_more.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { actors, expectedIds, ingest, listAllIds, type Recorded, seeded } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
const recorded: Recorded[] = [];
const TOTAL = 210; // divisible by 7 and by 10 (a last page that is exactly full), not by 100
const BASE = 1_760_000_000;

beforeAll(async () => {
  server = await startServer();
  const rng = seeded(7);
  // Batches arrive out of time order and share effective_at values: order is by time, then append position.
  for (let b = 0; b < 6; b++) {
    const events = Array.from({ length: TOTAL / 6 }, (_, i): Record<string, unknown> => {
      const type = rng.pick(['project.created', 'user.added', 'group.created']);
      return {
        type,
        effective_at: BASE + rng.int(15),
        actor: actors.session(`user_${rng.int(3)}`, `p${b}@example.com`),
        project: { id: `proj_${b}` },
        [type]: { id: `res_${b}_${i}` },
      };
    });
    const ids = await ingest(server, events);
    events.forEach((event, j) => {
      recorded.push({ id: ids[j] as string, seq: recorded.length, event });
    });
  }
});
afterAll(async () => {
  await server.close();
});

async function page(qs: string) {
  const res = await server.request('GET', `/v1/organization/audit_logs?${qs}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { object: 'list'; data: { id: string }[]; first_id: string | null; last_id: string | null; has_more: boolean };
}

describe('audit log pagination', () => {
  it.each([1, 7, 100])('SDK auto-pagination with limit %i yields every event once, newest first', async (limit) => {
    const expected = expectedIds(recorded, {});
    expect(expected).toHaveLength(TOTAL);
    const ids = await listAllIds(server, { limit });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it('auto-pagination under a filter with limit 7', async () => {
    const filter = { project_ids: ['proj_1', 'proj_4'], effective_at: { gte: BASE + 3, lte: BASE + 11 } };
    const expected = expectedIds(recorded, filter);
    expect(expected.length).toBeGreaterThan(14);
    expect(await listAllIds(server, { ...filter, limit: 7 })).toEqual(expected);
  });

  it('the default page holds 20 events', async () => {
    const p = await page('');
    expect(p.data.map((e) => e.id)).toEqual(expectedIds(recorded, {}).slice(0, 20));
    expect(p.has_more).toBe(true);
  });

  it('after-walk: first_id, last_id and has_more are exact, also when the last page is exactly full', async () => {
    const expected = expectedIds(recorded, {});
    const limit = 10;
    const pages: { id: string }[][] = [];
    let after: string | null = null;
    for (;;) {
      const p = await page(`limit=${limit}${after ? `&after=${after}` : ''}`);
      const ids = p.data.map((e) => e.id);
      const offset = pages.length * limit;
      expect(ids).toEqual(expected.slice(offset, offset + limit));
      expect(p.first_id).toBe(ids[0]);
      expect(p.last_id).toBe(ids[ids.length - 1]);
      expect(p.has_more).toBe(offset + limit < expected.length);
      pages.push(p.data);
      if (!p.has_more) break;
      after = p.last_id;
    }
    expect(pages).toHaveLength(TOTAL / limit);
    // after the very last event: an empty page
    const tail = await page(`limit=${limit}&after=${expected[expected.length - 1]}`);
    expect(tail).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('before walks back: before=first_id returns exactly the previous page', async () => {
    const limit = 7;
    const forward: string[][] = [];
    let after: string | null = null;
    for (;;) {
      const p = await page(`limit=${limit}${after ? `&after=${after}` : ''}`);
      forward.push(p.data.map((e) => e.id));
      if (!p.has_more) break;
      after = p.last_id;
    }
    expect(forward.length).toBe(TOTAL / limit);
    // walk from the last page back to the first
    let current = forward[forward.length - 1] as string[];
    for (let k = forward.length - 2; k >= 0; k--) {
      const p = await page(`limit=${limit}&before=${current[0]}`);
      const ids = p.data.map((e) => e.id);
      expect(ids).toEqual(forward[k]);
      expect(p.first_id).toBe(ids[0]);
      expect(p.last_id).toBe(ids[ids.length - 1]);
      expect(p.has_more).toBe(k > 0); // more newer events exist unless this is the first page
      current = ids;
    }
    const top = await page(`limit=${limit}&before=${forward[0]?.[0]}`);
    expect(top).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
  });

  it('before respects filters and a short page near the top', async () => {
    const filter = 'project_ids[]=proj_2';
    const expected = expectedIds(recorded, { project_ids: ['proj_2'] });
    const pivot = 5;
    const p = await page(`${filter}&limit=20&before=${expected[pivot]}`);
    expect(p.data.map((e) => e.id)).toEqual(expected.slice(0, pivot));
    expect(p.has_more).toBe(false);
    const q = await page(`${filter}&limit=3&before=${expected[pivot]}`);
    expect(q.data.map((e) => e.id)).toEqual(expected.slice(pivot - 3, pivot));
    expect(q.has_more).toBe(true);
  });

  it('after and before together give the events strictly between', async () => {
    const expected = expectedIds(recorded, {});
    const p = await page(`limit=100&after=${expected[10]}&before=${expected[30]}`);
    expect(p.data.map((e) => e.id)).toEqual(expected.slice(11, 30));
  });

  it('every response matched the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
