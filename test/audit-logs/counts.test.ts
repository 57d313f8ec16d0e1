/** GET /v1/organization/audit_logs/counts: events per type and period, against counts taken from the test's own data. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, ingest, representativeDetails, seeded } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let otherKey: string;
const DAY = 86_400;
const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z
const TYPES = ['api_key.created', 'api_key.deleted', 'login.failed', 'project.created'];
const sent: { type: string; at: number }[] = [];

beforeAll(async () => {
  server = await startServer();
  otherKey = (await server.keys.createOrganization('other')).key.secret;
  const r = seeded(18);
  const events = Array.from({ length: 300 }, () => {
    const type = r.pick(TYPES);
    const at = T0 + r.int(21 * DAY);
    sent.push({ type, at });
    return { type, effective_at: at, actor: actors.session('user-1', 'ana@example.com'), [type]: representativeDetails(type) };
  });
  // An event exactly on a period boundary, and events the queried types leave out or another organization holds.
  sent.push({ type: 'login.failed', at: T0 + 7 * DAY });
  await ingest(server, [...events, { type: 'login.failed', effective_at: T0 + 7 * DAY, actor: actors.session('user-2') }]);
  await ingest(server, [{ type: 'user.added', effective_at: T0 + DAY, actor: actors.session('user-1'), 'user.added': representativeDetails('user.added') }]);
  await ingest(server, [{ type: 'login.failed', effective_at: T0 + DAY, actor: actors.session('user-9') }], otherKey);
});
afterAll(async () => {
  await server.close();
});

/** What the counts must be: the test's own events, period by period. */
function expected(types: string[], start: number, end: number, width: number) {
  const out: { start_time: number; end_time: number; counts: Record<string, number> }[] = [];
  for (let s = start; s < end; s += width) {
    const e = Math.min(end, s + width);
    const counts: Record<string, number> = {};
    for (const x of sent) if (types.includes(x.type) && x.at >= s && x.at < e) counts[x.type] = (counts[x.type] ?? 0) + 1;
    out.push({ start_time: s, end_time: e, counts });
  }
  return out;
}
const asCounts = (data: { start_time: number; end_time: number; results: { type: string; count: number }[] }[]) =>
  data.map((b) => ({ start_time: b.start_time, end_time: b.end_time, counts: Object.fromEntries(b.results.map((r) => [r.type, r.count])) }));

describe('audit log counts', () => {
  it('counts each type per 7-day period from start_time, in one request', async () => {
    const types = ['api_key.created', 'api_key.deleted', 'login.failed'];
    const qs = `${types.map((t) => `event_types[]=${t}`).join('&')}&start_time=${T0}&end_time=${T0 + 14 * DAY}&bucket_width=7d`;
    const res = await server.request('GET', `/v1/organization/audit_logs/counts?${qs}`);
    expect(res.status).toBe(200);
    expect(res.body.object).toBe('list');
    expect(res.body.data).toHaveLength(2);
    expect(asCounts(res.body.data)).toEqual(expected(types, T0, T0 + 14 * DAY, 7 * DAY));
    // The boundary event counts in the second period, and the sums match what the list returns.
    const listed = await server.request(
      'GET',
      `/v1/organization/audit_logs?event_types[]=login.failed&effective_at[gte]=${T0 + 7 * DAY}&effective_at[lt]=${T0 + 14 * DAY}&limit=100`,
    );
    expect(res.body.data[1].results.find((r: { type: string }) => r.type === 'login.failed')?.count).toBe(listed.body.data.length);
  });

  it('cuts the last period at end_time and uses periods that start at start_time (not at midnight)', async () => {
    const start = T0 + 3 * 3600 + 17;
    const end = start + 5 * DAY + 4000;
    const res = await server.request(
      'GET',
      `/v1/organization/audit_logs/counts?event_types[]=project.created&event_types[]=login.failed&start_time=${start}&end_time=${end}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(6);
    expect(res.body.data.at(-1).end_time).toBe(end);
    expect(asCounts(res.body.data)).toEqual(expected(['project.created', 'login.failed'], start, end, DAY));
  });

  it("counts only the caller's organization", async () => {
    const res = await server.request('GET', `/v1/organization/audit_logs/counts?event_types[]=login.failed&start_time=${T0}&end_time=${T0 + 2 * DAY}`, {
      key: otherKey,
    });
    expect(asCounts(res.body.data)).toEqual([
      { start_time: T0, end_time: T0 + DAY, counts: {} },
      { start_time: T0 + DAY, end_time: T0 + 2 * DAY, counts: { 'login.failed': 1 } },
    ]);
  });

  it('refuses bad ranges and types, naming the parameter', async () => {
    const bad = async (qs: string, param: string) => {
      const res = await server.request('GET', `/v1/organization/audit_logs/counts?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.body.error.param, qs).toMatch(new RegExp(`^${param.replace('[', '\\[')}`));
    };
    await bad(`event_types[]=login.failed&start_time=${T0}&end_time=${T0}`, 'end_time');
    await bad(`event_types[]=login.failed&start_time=${T0}&end_time=${T0 + 500 * DAY}`, 'bucket_width');
    await bad(`event_types[]=nope.nope&start_time=${T0}`, 'event_types[0]');
    await bad(`start_time=${T0}`, 'event_types');
    await bad('event_types[]=login.failed', 'start_time');
  });

  it('is documented in the served OpenAPI document', async () => {
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    const op = doc.paths['/organization/audit_logs/counts'].get;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['event_types[]', 'start_time', 'end_time', 'bucket_width']);
    expect(op.responses['200'].content['application/json'].schema.properties.data).toBeTruthy();
  });
});
