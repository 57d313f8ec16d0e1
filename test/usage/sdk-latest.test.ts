/**
 * The newest openai SDK's usage surface (7.57+, beyond the 2026-08-21 spec), end to end on a real
 * server: usage.decisions, group_by=api_source, the cache-write 12h/30m measures, costs grouped by
 * user_id and api_source. Every response is checked by contractFetch: spec operations against the
 * spec, decisions against the schema written from the SDK's types (helpers/sdk-schemas.ts); the
 * served /openapi.json extension is checked against the same answers here.
 */
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractChecks, contractViolations } from '../helpers/contract.js';
import { SDKS, startServer, type TestServer } from '../helpers/server.js';
import { sortResults } from './brute-force.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const DAY = 86400;
const T0 = 1_767_225_600 + 100 * DAY;

/** Four completions-shaped records: two Agents API, one labelled unlabeled, one that does not say. */
const records = (prefix: string) => [
  {
    id: `${prefix}1`,
    created_at: T0 + 10,
    project_id: 'proj_a',
    user_id: 'user-1',
    model: 'gpt-4o',
    api_source: 'agents_api',
    input_tokens: 1000,
    input_cache_write_tokens: 300,
    input_cache_write_12h_tokens: 100,
    input_cache_write_30m_tokens: 200,
    output_tokens: 10,
  },
  {
    id: `${prefix}2`,
    created_at: T0 + 3600,
    project_id: 'proj_a',
    user_id: 'user-2',
    model: 'gpt-4o',
    api_source: 'unlabeled',
    input_tokens: 500,
    output_tokens: 5,
  },
  {
    id: `${prefix}3`,
    created_at: T0 + 7200,
    project_id: 'proj_b',
    user_id: 'user-1',
    model: 'gpt-4o',
    input_tokens: 200,
    input_cache_write_tokens: 50,
    input_cache_write_12h_tokens: 50,
    output_tokens: 2,
  },
  {
    id: `${prefix}4`,
    created_at: T0 + 60,
    project_id: 'proj_b',
    user_id: 'user-2',
    model: 'gpt-4o',
    api_source: 'agents_api',
    input_tokens: 100,
    output_tokens: 1,
  },
];

describe.each(['completions', 'decisions'] as const)('%s: api_source and the cache-write measures', (kind) => {
  beforeAll(async () => {
    const res = await server.request('POST', `/v1/organization/usage/${kind}`, { body: { data: records(`${kind}-latest-`) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  const call = (params: Record<string, unknown>) => {
    const usage = server.latestClient().admin.organization.usage;
    const q = { start_time: T0, end_time: T0 + DAY, ...params } as never;
    return kind === 'decisions' ? usage.decisions(q) : usage.completions(q);
  };

  it.each(['1d', '1h', '1m'])('groups by api_source (records without one are unlabeled) with bucket_width=%s', async (width) => {
    const limit = { '1d': 1, '1h': 24, '1m': 1440 }[width];
    const page = await call({ bucket_width: width, limit, group_by: ['api_source'] });
    const all = (page.data as unknown as { results: Record<string, unknown>[] }[]).flatMap((b) => b.results);
    const sum = (source: string, m: string) => all.filter((r) => r.api_source === source).reduce((a, r) => a + Number(r[m] ?? 0), 0);
    expect(new Set(all.map((r) => r.api_source))).toEqual(new Set(['agents_api', 'unlabeled']));
    expect(all.every((r) => r.object === `organization.usage.${kind}.result`)).toBe(true);
    expect([sum('agents_api', 'input_tokens'), sum('unlabeled', 'input_tokens')]).toEqual([1100, 700]);
    expect([sum('agents_api', 'num_model_requests'), sum('unlabeled', 'num_model_requests')]).toEqual([2, 2]);
    expect([sum('agents_api', 'input_cache_write_12h_tokens'), sum('unlabeled', 'input_cache_write_12h_tokens')]).toEqual([100, 50]);
    expect([sum('agents_api', 'input_cache_write_30m_tokens'), sum('unlabeled', 'input_cache_write_30m_tokens')]).toEqual([200, 0]);
    expect(contractViolations).toEqual([]);
  });

  it('answers api_source null without source grouping, and groups it with other dimensions', async () => {
    const total = await call({});
    expect(total.data[0]?.results).toEqual([
      expect.objectContaining({
        api_source: null,
        input_tokens: 1800,
        input_cache_write_tokens: 350,
        input_cache_write_12h_tokens: 150,
        input_cache_write_30m_tokens: 200,
      }),
    ]);
    const byProject = await call({ group_by: ['project_id', 'api_source'] });
    expect(((byProject.data[0]?.results ?? []) as any[]).map((r) => [r.project_id, r.api_source, r.input_tokens]).sort()).toEqual([
      ['proj_a', 'agents_api', 1000],
      ['proj_a', 'unlabeled', 500],
      ['proj_b', 'agents_api', 100],
      ['proj_b', 'unlabeled', 200],
    ]);
    expect(contractViolations).toEqual([]);
  });
});

describe('usage.decisions through the newest SDK', () => {
  it('validates against the SDK-derived schema and the served /openapi.json extension alike', async () => {
    const before = contractChecks;
    const page = await server.latestClient().admin.organization.usage.decisions({ start_time: T0, end_time: T0 + DAY, group_by: ['api_source', 'model'] });
    expect(contractChecks).toBe(before + 1); // checked by contractFetch (helpers/sdk-schemas.ts), not skipped
    expect(contractViolations).toEqual([]);
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    const op = doc.paths['/organization/usage/decisions'].get;
    expect(op.operationId).toBe('usage-decisions');
    expect(op.parameters.find((p: any) => p.name === 'group_by').schema.items.enum).toContain('api_source');
    const ajv = new Ajv({ strict: false, formats: { unixtime: true } });
    ajv.addSchema({ ...doc, $id: 'served.json' });
    const validate = ajv.compile({ $ref: 'served.json#/components/schemas/UsageDecisionsResponse' });
    expect(validate(JSON.parse(JSON.stringify(page))), JSON.stringify(validate.errors)).toBe(true);
    // And the served schema rejects a completions result in a decisions page.
    const wrong = { ...page, data: [{ ...page.data[0], results: [{ ...page.data[0]?.results[0], object: 'organization.usage.completions.result' }] }] };
    expect(validate(JSON.parse(JSON.stringify(wrong)))).toBe(false);
  });

  it('takes the completions filters', async () => {
    const page = await server
      .latestClient()
      .admin.organization.usage.decisions({ start_time: T0, end_time: T0 + DAY, project_ids: ['proj_b'], user_ids: ['user-2'] });
    expect(page.data[0]?.results).toEqual([expect.objectContaining({ input_tokens: 100, num_model_requests: 1, project_id: null })]);
  });
});

describe('web_search_calls group_by=api_source', () => {
  it('groups the searches by api_source', async () => {
    const data = [
      { created_at: T0 + 5, model: 'gpt-4o', api_source: 'agents_api', num_requests: 3 },
      { created_at: T0 + 6, model: 'gpt-4o', num_requests: 4 },
    ];
    expect((await server.request('POST', '/v1/organization/usage/web_search_calls', { body: { data } })).status).toBe(200);
    const page = await server.latestClient().admin.organization.usage.webSearchCalls({ start_time: T0, end_time: T0 + DAY, group_by: ['api_source'] });
    expect(sortResults(page.data[0]?.results as never).map((r: any) => [r.api_source, r.num_requests])).toEqual([
      ['agents_api', 3],
      ['unlabeled', 4],
    ]);
    expect(contractViolations).toEqual([]);
  });
});

describe('cache-write split on ingest', () => {
  it('refuses 12h + 30m above input_cache_write_tokens, naming the field', async () => {
    const res = await server.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          {
            created_at: T0,
            input_tokens: 100,
            input_cache_write_tokens: 10,
            input_cache_write_12h_tokens: 8,
            input_cache_write_30m_tokens: 3,
            output_tokens: 1,
          },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('data[0].input_cache_write_30m_tokens');
  });

  it('refuses an api_source outside agents_api | unlabeled', async () => {
    const res = await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ created_at: T0, input_tokens: 1, output_tokens: 1, api_source: 'responses_api' }] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.param).toBe('data[0].api_source');
  });
});

describe.each(SDKS)('costs grouped by user_id and api_source with $name', (sdk) => {
  const day = T0 + 10 * DAY;
  beforeAll(async () => {
    const prefix = sdk.latest ? 'cl-' : 'co-';
    const data = records(prefix).map((r) => ({ ...r, created_at: r.created_at + 10 * DAY + (sdk.latest ? DAY : 0) }));
    expect((await server.request('POST', '/v1/organization/usage/completions', { body: { data } })).status).toBe(200);
  });

  it('splits the day by user and by api_source, totals unchanged', async () => {
    const start = day + (sdk.latest ? DAY : 0);
    // 6.49.0's types do not list user_id/api_source: the cast is the point (the wire is what matters).
    const costs = (group_by: string[]) => server.sdkClient(sdk).admin.organization.usage.costs({ start_time: start, end_time: start + DAY, group_by } as never);
    const total = (await costs([])).data[0]?.results[0] as any;
    expect(total.amount.value).toBeGreaterThan(0);
    expect([total.user_id, total.api_source]).toEqual([null, null]);
    const sumOf = (rs: any[]) => rs.reduce((a, r) => a + r.amount.value, 0);
    const byUser = (await costs(['user_id'])).data[0]?.results as any[];
    expect(byUser.map((r) => r.user_id).sort()).toEqual(['user-1', 'user-2']);
    expect(sumOf(byUser)).toBeCloseTo(total.amount.value, 9);
    const bySource = (await costs(['api_source', 'line_item'])).data[0]?.results as any[];
    expect(new Set(bySource.map((r) => r.api_source))).toEqual(new Set(['agents_api', 'unlabeled']));
    expect(bySource.every((r) => r.quantity > 0 && r.user_id === null)).toBe(true);
    expect(sumOf(bySource)).toBeCloseTo(total.amount.value, 9);
    const user1 = (await costs(['user_id', 'project_id'])).data[0]?.results as any[];
    expect(user1.map((r) => [r.user_id, r.project_id]).sort()).toEqual([
      ['user-1', 'proj_a'],
      ['user-1', 'proj_b'],
      ['user-2', 'proj_a'],
      ['user-2', 'proj_b'],
    ]);
    expect(contractViolations).toEqual([]);
  });
});
