/**
 * Query parameters as real clients other than the SDK send them, over raw HTTP: comma-joined arrays
 * (Elastic's integration), capitalised booleans (Python), and integers that are only plain decimal
 * safe integers (anything else a 400 naming the parameter, never a 500 or a silent reading).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

const T0 = 1_736_640_000; // a UTC midnight
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const data = [
    { created_at: T0 + 60, project_id: 'proj_a', user_id: 'user_1', api_key_id: 'key_1', model: 'gpt-4o', batch: false, input_tokens: 10, output_tokens: 1 },
    { created_at: T0 + 61, project_id: 'proj_a', user_id: 'user_2', api_key_id: 'key_1', model: 'gpt-4o', batch: true, input_tokens: 20, output_tokens: 1 },
    {
      created_at: T0 + 125,
      project_id: 'proj_b',
      user_id: 'user_1',
      api_key_id: 'key_2',
      model: 'gpt-4o-mini',
      batch: false,
      input_tokens: 40,
      output_tokens: 1,
    },
  ];
  const res = await server.request('POST', '/v1/organization/usage/completions', { body: { data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const costs = await server.request('POST', '/v1/organization/costs', {
    body: {
      data: [
        { created_at: T0 + 10, project_id: 'proj_a', line_item: 'acme-ocr, pages', amount: { value: 1, currency: 'usd' } },
        { created_at: T0 + 10, project_id: 'proj_b', line_item: 'acme-ocr, minutes', amount: { value: 2, currency: 'usd' } },
      ],
    },
  });
  expect(costs.status, JSON.stringify(costs.body)).toBe(200);
  await ingest(server, [
    { type: 'project.created', effective_at: T0, project: { id: 'proj_a' }, 'project.created': { id: 'proj_a' } },
    { type: 'api_key.created', effective_at: T0 + 1, project: { id: 'proj_b' }, 'api_key.created': { id: 'key_1' } },
    { type: 'login.succeeded', effective_at: T0 + 2, project: { id: 'proj_c' } },
  ]);
});
afterAll(async () => {
  await server.close();
});

describe('comma-separated arrays', () => {
  it("answers Elastic's usage URL (Go-sorted, group_by joined by %2C) and follows next_page", async () => {
    const base =
      `/v1/organization/usage/completions?bucket_width=1m&end_time=${T0 + 180}` +
      `&group_by=project_id%2Cuser_id%2Capi_key_id%2Cmodel%2Cbatch&limit=2&start_time=${T0}`;
    const results: Record<string, unknown>[] = [];
    let url = base;
    for (let i = 0; i < 5; i++) {
      const res = await server.request('GET', url);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const b of res.body.data) results.push(...b.results);
      if (!res.body.has_more) break;
      url = `${base}&page=${encodeURIComponent(res.body.next_page)}`;
    }
    expect(results.map((r) => [r.project_id, r.user_id, r.api_key_id, r.model, r.batch, r.input_tokens])).toEqual([
      ['proj_a', 'user_1', 'key_1', 'gpt-4o', false, 10],
      ['proj_a', 'user_2', 'key_1', 'gpt-4o', true, 20],
      ['proj_b', 'user_1', 'key_2', 'gpt-4o-mini', false, 40],
    ]);
  });

  it('splits filters too, and mixes with x[]= and repeated x=', async () => {
    const res = await server.request(
      'GET',
      `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + 86400}&project_ids=proj_a%2Cproj_b&models[]=gpt-4o&models=gpt-4o-mini%2Cnone&group_by[]=project_id&group_by=model%2Cuser_id`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data[0].results.map((r: any) => [r.project_id, r.model, r.user_id])).toEqual([
      ['proj_a', 'gpt-4o', 'user_1'],
      ['proj_a', 'gpt-4o', 'user_2'],
      ['proj_b', 'gpt-4o-mini', 'user_1'],
    ]);
    const bad = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&group_by=project_id%2Cplanet`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('group_by[1]');
  });

  it('splits audit-log arrays (event_types, project_ids) sent as one value', async () => {
    const res = await server.request('GET', '/v1/organization/audit_logs?event_types=project.created%2Capi_key.created&project_ids=proj_a%2Cproj_b%2Cproj_c');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.map((e: any) => e.type).sort()).toEqual(['api_key.created', 'project.created']);
    const projects = await server.request('GET', '/v1/organization/audit_logs?project_ids=proj_b,proj_c');
    expect(projects.body.data.map((e: any) => e.project.id).sort()).toEqual(['proj_b', 'proj_c']);
  });

  it('never splits scalars (page) nor costs line_items, whose values hold commas', async () => {
    const page = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&page=a%2Cb`);
    expect(page.status).toBe(400);
    expect(page.body.error.param).toBe('page');
    const costs = await server.request(
      'GET',
      `/v1/organization/costs?start_time=${T0}&end_time=${T0 + 86400}&line_items=acme-ocr%2C%20pages&group_by=project_id%2Cline_item`,
    );
    expect(costs.status, JSON.stringify(costs.body)).toBe(200);
    expect(costs.body.data[0].results.map((r: any) => [r.project_id, r.line_item, r.amount.value])).toEqual([['proj_a', 'acme-ocr, pages', 1]]);
  });
});

describe('booleans', () => {
  it('reads True/False (Python) as true/false on batch and tenant_only', async () => {
    for (const [value, expected] of [
      ['True', [20]],
      ['False', [50]],
      ['true', [20]],
      ['FALSE', [50]],
    ] as const) {
      const res = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + 86400}&batch=${value}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data[0].results.map((r: any) => r.input_tokens)).toEqual(expected);
    }
    for (const value of ['True', 'False']) {
      const res = await server.request('GET', `/v1/organization/audit_logs?tenant_only=${value}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const bad = await server.request('GET', '/v1/organization/audit_logs?tenant_only=maybe');
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('tenant_only');
  });
});

describe('integers', () => {
  const BAD = ['Infinity', '-Infinity', 'NaN', '1e309', '1e3', '0x10', '1.5', '%201', '1%20', '+1', '9007199254740993', '99999999999999999999999'];
  const cases: [string, string, string][] = [
    ['/v1/organization/audit_logs?', 'limit', ''],
    ['/v1/organization/audit_logs?', 'effective_at[gte]', ''],
    ['/v1/organization/audit_logs?', 'effective_at[lt]', ''],
    ['/v1/organization/admin_api_keys?', 'limit', ''],
    ['/v1/organization/usage/completions?', 'start_time', ''],
    ['/v1/organization/usage/completions?', 'end_time', `start_time=${T0}&`],
    ['/v1/organization/usage/completions?', 'limit', `start_time=${T0}&`],
    ['/v1/organization/costs?', 'start_time', ''],
    ['/v1/organization/costs?', 'limit', `start_time=${T0}&`],
  ];
  for (const [path, param, prefix] of cases) {
    it(`${path.slice(0, -1)} ${param}: only plain decimal safe integers`, async () => {
      for (const bad of BAD) {
        const res = await server.request('GET', `${path}${prefix}${param}=${bad}`);
        expect(res.status, `${param}=${bad} -> ${JSON.stringify(res.body)}`).toBe(400);
        expect(res.body.error.type).toBe('invalid_request_error');
        expect(res.body.error.param).toBe(param);
        expect(res.body.error.message).toContain(`'${param}'`);
      }
      // Empty is absent (the SDK's null), as before; a plain integer still works.
      const empty = await server.request('GET', `${path}${prefix}${param}=${param === 'start_time' ? `&start_time=${T0}` : ''}`);
      expect(empty.status, JSON.stringify(empty.body)).toBe(200);
      const ok = await server.request('GET', `${path}${prefix}${param}=${param.includes('time') ? T0 + 86400 : 2}`);
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    });
  }

  it('rejects negatives by the bounds, naming the parameter', async () => {
    for (const [path, param] of [
      ['/v1/organization/audit_logs?limit=-1', 'limit'],
      ['/v1/organization/admin_api_keys?limit=-5', 'limit'],
      ['/v1/organization/usage/completions?start_time=-1', 'start_time'],
      [`/v1/organization/costs?start_time=${T0}&limit=181`, 'limit'],
    ]) {
      const res = await server.request('GET', path as string);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error.param).toBe(param);
    }
  });

  it('every response above met the spec', () => {
    expect(contractViolations).toEqual([]);
  });
});
