/**
 * The official OpenTelemetry JS SDK exports GenAI spans over OTLP/HTTP (protobuf and JSON) to
 * orgledger; the usage and costs endpoints give exactly the expected totals, and a retried export
 * counts nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { exporterFor, type GenAiSpan, runApp, succeeded } from './genai-program.js';

let server: TestServer;
const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const DAY = 86400;

const chat = (end: number, attrs: Record<string, string | number | boolean>): GenAiSpan => ({
  name: 'chat',
  end,
  attributes: { 'gen_ai.operation.name': 'chat', ...attrs },
});

/** Service "billing-api": current attribute names, project and user on the span. */
const billingSpans: GenAiSpan[] = [
  chat(T0 + 10, {
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 200,
    'orgledger.project_id': 'proj_a',
    'user.id': 'user_1',
  }),
  chat(T0 + 20, {
    'gen_ai.provider.name': 'openai',
    'gen_ai.response.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 2000,
    'gen_ai.usage.cache_read.input_tokens': 1000,
    'gen_ai.usage.output_tokens': 100,
    'orgledger.project_id': 'proj_a',
    'user.id': 'user_2',
  }),
  {
    name: 'embeddings',
    end: T0 + 30,
    attributes: {
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'text-embedding-3-small',
      'gen_ai.usage.input_tokens': 3000,
      'orgledger.project_id': 'proj_b',
    },
  },
  // an agent span repeats its children's usage: ignored, never counted
  {
    name: 'invoke_agent',
    end: T0 + 40,
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 3000, 'gen_ai.usage.output_tokens': 300 },
  },
  // not a GenAI span at all
  { name: 'GET /health', end: T0 + 50, attributes: { 'http.request.method': 'GET' } },
];

/** Service "support-bot": older attribute names (gen_ai.system, prompt/completion tokens), project from service.name. */
const supportSpans: GenAiSpan[] = [
  chat(T0 + 60, {
    'gen_ai.system': 'anthropic',
    'gen_ai.request.model': 'claude-sonnet-test',
    'gen_ai.usage.prompt_tokens': 500,
    'gen_ai.usage.completion_tokens': 50,
    'enduser.id': 'user_3',
  }),
  chat(T0 + 70, {
    'gen_ai.system': 'gcp.gemini',
    'gen_ai.request.model': 'gemini-test',
    'gen_ai.usage.prompt_tokens': 100,
    'gen_ai.usage.completion_tokens': 10,
    'enduser.id': 'user_1',
  }),
];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
});

async function completionsByProject() {
  const page = await server.client().admin.organization.usage.completions({ start_time: T0, end_time: T0 + DAY, group_by: ['project_id'] } as never);
  const rows = (page.data[0]?.results ?? []) as unknown as Record<string, unknown>[];
  return Object.fromEntries(rows.map((r) => [r.project_id, [r.input_tokens, r.input_cached_tokens ?? 0, r.output_tokens, r.num_model_requests]]));
}

async function completionsByUser() {
  const page = await server.client().admin.organization.usage.completions({ start_time: T0, end_time: T0 + DAY, group_by: ['user_id'] } as never);
  const rows = (page.data[0]?.results ?? []) as unknown as Record<string, unknown>[];
  return Object.fromEntries(rows.map((r) => [r.user_id, r.input_tokens]));
}

async function costsByLineItem() {
  const page = await server.client().admin.organization.usage.costs({ start_time: T0, end_time: T0 + DAY, group_by: ['line_item'] } as never);
  const rows = (page.data[0]?.results ?? []) as unknown as { line_item: string; amount: { value: number } }[];
  return Object.fromEntries(rows.map((r) => [r.line_item, Math.round(r.amount.value * 1e9)]));
}

describe('OTLP from the OpenTelemetry JS SDK', () => {
  it('records the usage of GenAI spans sent as protobuf (gzip) and JSON, with exact totals, and a retry counts nothing twice', async () => {
    const proto = exporterFor('protobuf', server.url, server.adminKey, 'gzip');
    await runApp(proto, { 'service.name': 'billing-api' }, billingSpans);
    const json = exporterFor('json', server.url, server.adminKey);
    await runApp(json, { 'service.name': 'support-bot' }, supportSpans);
    expect(proto.results.length).toBeGreaterThan(0);
    expect(proto.results.every(succeeded)).toBe(true);
    expect(json.results.every(succeeded)).toBe(true);

    const expected = {
      proj_a: [3000, 1000, 300, 2],
      'support-bot': [600, 0, 60, 2],
    };
    expect(await completionsByProject()).toEqual(expected);
    expect(await completionsByUser()).toEqual({ user_1: 1100, user_2: 2000, user_3: 500 });
    const emb = await server.client().admin.organization.usage.embeddings({ start_time: T0, end_time: T0 + DAY, group_by: ['project_id', 'model'] } as never);
    expect(emb.data[0]?.results).toMatchObject([{ project_id: 'proj_b', model: 'text-embedding-3-small', input_tokens: 3000, num_model_requests: 1 }]);

    // gpt-4o-mini: $0.15 / $0.075 cached / $0.60 per 1M; text-embedding-3-small $0.02 per 1M (nano-USD below).
    // The anthropic and gemini test models are not in the price table: usage without cost.
    const costs = {
      'gpt-4o-mini, input_tokens': (1000 + 1000) * 150,
      'gpt-4o-mini, cached_input_tokens': 1000 * 75,
      'gpt-4o-mini, output_tokens': 300 * 600,
      'text-embedding-3-small, input_tokens': 3000 * 20,
    };
    expect(await costsByLineItem()).toEqual(costs);

    // The exporter retries the very same spans (as after a lost response): acknowledged, not counted again.
    for (const batch of proto.batches) expect(succeeded(await proto.resend(batch))).toBe(true);
    for (const batch of json.batches) expect(succeeded(await json.resend(batch))).toBe(true);
    expect(await completionsByProject()).toEqual(expected);
    expect(await costsByLineItem()).toEqual(costs);
    const [row] = await server.sql<{ n: number }>("SELECT count(*) AS n FROM usage_records WHERE id LIKE 'otel:%'");
    expect(Number(row?.n)).toBe(5);
  });

  it("keeps each span's provider on its record (current and older attribute names) and filters usage by providers", async () => {
    // Runs on the records of the test above.
    const stored = await server.sql<{ provider: string; n: number }>(
      "SELECT provider, count(*) AS n FROM usage_records WHERE id LIKE 'otel:%' GROUP BY provider ORDER BY provider",
    );
    expect(stored.map((r) => [r.provider, Number(r.n)])).toEqual([
      ['anthropic', 1],
      ['gcp.gemini', 1],
      ['openai', 3],
    ]);
    const byProject = async (kind: string, query: string) => {
      const res = await server.request('GET', `/v1/organization/usage/${kind}?start_time=${T0}&end_time=${T0 + DAY}&group_by=project_id&${query}`);
      expect(res.status).toBe(200);
      const rows = res.body.data[0].results as Record<string, unknown>[];
      return Object.fromEntries(rows.map((r) => [r.project_id, [r.input_tokens, r.output_tokens ?? null, r.num_model_requests]]));
    };
    expect(await byProject('completions', 'providers=openai')).toEqual({ proj_a: [3000, 300, 2] });
    // A daily query over whole days reads the rollups unfiltered; with providers it reads raw records, same grid.
    expect(await byProject('completions', 'providers[]=anthropic&providers[]=gcp.gemini')).toEqual({ 'support-bot': [600, 60, 2] });
    expect(await byProject('completions', 'providers=gcp.gemini')).toEqual({ 'support-bot': [100, 10, 1] });
    expect(await byProject('embeddings', 'providers=openai')).toEqual({ proj_b: [3000, null, 1] });
    expect(await byProject('completions', 'providers=mistral')).toEqual({});

    // The ingest API takes a provider too, and the filter sees it; a minute-grid query reads raw records anyway.
    const post = await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ created_at: T0 + 90, provider: 'mistral', model: 'mistral-test', project_id: 'proj_m', input_tokens: 7, output_tokens: 3 }] },
    });
    expect(post.status).toBe(200);
    expect(await byProject('completions', 'providers=mistral')).toEqual({ proj_m: [7, 3, 1] });
    const minutes = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + 120}&bucket_width=1m&providers=mistral`);
    expect(minutes.body.data.map((b: { results: { input_tokens: number }[] }) => b.results.map((r) => r.input_tokens))).toEqual([[], [7]]);
    // The provider is no OpenAI result field: results keep the spec's shape (the contract check validates every response).
    expect(minutes.body.data[1].results[0]).not.toHaveProperty('provider');
    // A page cursor belongs to its providers: the next page of a filtered query is refused without the filter.
    const first = await server.request('GET', `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + 2 * DAY}&limit=1&providers=mistral`);
    expect(first.body.has_more).toBe(true);
    const next = `/v1/organization/usage/completions?start_time=${T0}&end_time=${T0 + 2 * DAY}&limit=1&page=${first.body.next_page}`;
    expect((await server.request('GET', `${next}&providers=mistral`)).status).toBe(200);
    expect((await server.request('GET', next)).body.error.param).toBe('page');
    // The served contract documents the filter as an extension of every usage GET.
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    const param = doc.paths['/organization/usage/embeddings'].get.parameters.find((p: { name: string }) => p.name === 'providers');
    expect(param).toMatchObject({ in: 'query', schema: { type: 'array' } });
    expect(param['x-orgledger-extension']).toBeTruthy();
    const bad = await server.request('POST', '/v1/organization/usage/completions', { body: { data: [{ provider: '', input_tokens: 1, output_tokens: 1 }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('data[0].provider');
  });
});
