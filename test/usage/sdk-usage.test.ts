/**
 * Every usage method of the openai SDK against a real server: filters, group_by, pages, empty ranges,
 * errors; with both SDK versions (6.49.0 and the newest, see helpers/server.ts SDKS), decisions with
 * the newest only (6.49.0 has no usage.decisions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE_KIND_NAMES, usageKind } from '../../src/features/usage/kinds.js';
import { contractViolations } from '../helpers/contract.js';
import { SDKS, type Sdk, startServer, type TestServer } from '../helpers/server.js';
import { expectedBuckets, normalize, type Rec, sortResults } from './brute-force.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const DAY = 86400;
const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const SDK_METHOD: Record<string, string> = {
  completions: 'completions',
  embeddings: 'embeddings',
  moderations: 'moderations',
  images: 'images',
  audio_speeches: 'audioSpeeches',
  audio_transcriptions: 'audioTranscriptions',
  vector_stores: 'vectorStores',
  code_interpreter_sessions: 'codeInterpreterSessions',
  file_search_calls: 'fileSearchCalls',
  web_search_calls: 'webSearchCalls',
  decisions: 'decisions',
};
const VALUES: Record<string, unknown[]> = {
  project_id: ['proj_a', 'proj_b'],
  user_id: ['user-1', 'user-2'],
  api_key_id: ['key_1', 'key_2'],
  model: ['gpt-4o', 'gpt-4o-mini'],
  batch: [true, false],
  service_tier: ['default', 'priority'],
  size: ['256x256', '1024x1024'],
  source: ['image.generation', 'image.edit'],
  vector_store_id: ['vs_1', 'vs_2'],
  context_level: ['low', 'high'],
  api_source: ['agents_api', 'unlabeled'],
};

function recordsFor(kindName: string): Rec[] {
  const kind = usageKind(kindName as never);
  return Array.from({ length: 12 }, (_, i) => {
    const r: Rec = { id: `${kindName}-sdk-${i}`, created_at: T0 + (i % 3) * DAY + i * 600 };
    for (const d of kind.dimensions) r[d] = (VALUES[d] as unknown[])[i % 2];
    for (const m of kind.requiredMeasures) if (m !== 'num_model_requests') r[m] = 10 + i;
    return r;
  });
}

async function callSdkWith(sdk: Sdk, kindName: string, params: Record<string, unknown>): Promise<any> {
  const usage = server.sdkClient(sdk).admin.organization.usage as any;
  return usage[SDK_METHOD[kindName] as string](params);
}

const strip = (buckets: any[]) => buckets.map(({ object: _, ...b }) => ({ ...b, results: sortResults(b.results) }));

describe.each([...USAGE_KIND_NAMES])('%s through the SDK', (kindName) => {
  const kind = usageKind(kindName);
  const records = recordsFor(kindName);
  const stored = records.map((r) => normalize(kind, r));

  beforeAll(async () => {
    const res = await server.request('POST', `/v1/organization/usage/${kindName}`, { body: { data: records } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  describe.each(SDKS.filter((sdk) => sdk.latest || kindName !== 'decisions'))('with $name', (sdk) => {
    const callSdk = (k: string, params: Record<string, unknown>) => callSdkWith(sdk, k, params);

    it('answers every group_by value and every filter as a brute-force aggregation would', async () => {
      const base = { start_time: T0, end_time: T0 + 3 * DAY, bucket_width: '1d' };
      for (const g of kind.groupBy) {
        const page = await callSdk(kindName, { ...base, group_by: [g] });
        expect(strip(page.data)).toEqual(expectedBuckets(kind, stored, { start: T0, end: T0 + 3 * DAY, width: DAY, groupBy: [g], filters: {} }));
        expect(page.data.some((b: any) => b.results.length > 1)).toBe(true);
      }
      for (const f of kind.filters) {
        const value = (VALUES[f.dimension] as unknown[])[1];
        const page = await callSdk(kindName, { ...base, [f.param]: f.boolean ? value : [value] });
        const expected = expectedBuckets(kind, stored, { start: T0, end: T0 + 3 * DAY, width: DAY, groupBy: [], filters: { [f.dimension]: [value] } });
        expect(strip(page.data)).toEqual(expected);
        expect(expected.some((b) => b.results.length > 0)).toBe(true);
      }
    });

    it('walks hourly pages that together equal one big query', async () => {
      const params = { start_time: T0, end_time: T0 + 2 * DAY, bucket_width: '1h', group_by: kind.groupBy.slice(0, 2) };
      const big = await callSdk(kindName, { ...params, limit: 48 });
      expect(big.has_more).toBe(false);
      expect(big.next_page).toBeNull();
      const walked: any[] = [];
      let page = await callSdk(kindName, { ...params, limit: 5 });
      walked.push(...page.data);
      while (page.has_more) {
        page = await callSdk(kindName, { ...params, limit: 5, page: page.next_page });
        walked.push(...page.data);
      }
      expect(walked).toHaveLength(48);
      expect(walked).toEqual(big.data);
    });

    it('returns every bucket of an empty range with empty results', async () => {
      const page = await callSdk(kindName, { start_time: T0 - 10 * DAY, end_time: T0 - 7 * DAY });
      expect(page.data.map((b: any) => [b.start_time, b.end_time, b.results.length])).toEqual([
        [T0 - 10 * DAY, T0 - 9 * DAY, 0],
        [T0 - 9 * DAY, T0 - 8 * DAY, 0],
        [T0 - 8 * DAY, T0 - 7 * DAY, 0],
      ]);
      expect(contractViolations).toEqual([]);
    });
  });
});

describe('usage query errors name the parameter', () => {
  const get = (qs: string) => server.request('GET', `/v1/organization/usage/completions?${qs}`);
  it.each([
    ['bucket_width=1d', 'start_time'],
    [`start_time=${T0}&bucket_width=2h`, 'bucket_width'],
    [`start_time=${T0}&bucket_width=1h&limit=169`, 'limit'],
    [`start_time=${T0}&limit=32`, 'limit'],
    [`start_time=${T0}&bucket_width=1m&limit=0`, 'limit'],
    [`start_time=${T0}&group_by=size`, 'group_by'],
    [`start_time=${T0}&page=garbage`, 'page'],
    [`start_time=${T0}&end_time=${T0}`, 'end_time'],
    [`start_time=abc`, 'start_time'],
  ])('%s -> 400 on %s', async (qs, param) => {
    const res = await get(qs);
    expect(res.status).toBe(400);
    expect(String(res.body.error.param)).toMatch(new RegExp(`^${param}`));
  });

  it('refuses a cursor of another query', async () => {
    const first = await get(`start_time=${T0}&end_time=${T0 + 10 * DAY}&limit=2`);
    expect(first.body.has_more).toBe(true);
    const other = await get(`start_time=${T0}&end_time=${T0 + 10 * DAY}&limit=2&group_by[]=model&page=${first.body.next_page}`);
    expect(other.status).toBe(400);
    expect(other.body.error.param).toBe('page');
    const same = await get(`start_time=${T0}&end_time=${T0 + 10 * DAY}&limit=3&page=${first.body.next_page}`);
    expect(same.status).toBe(200);
    expect(same.body.data[0].start_time).toBe(T0 + 2 * DAY);
  });
});

describe('usage ingest', () => {
  const post = (kind: string, data: unknown, opts: { contentType?: string; rawBody?: string } = {}) =>
    server.request('POST', `/v1/organization/usage/${kind}`, opts.rawBody !== undefined ? opts : { body: { data } });

  it('is idempotent by id: a replay never counts twice, other content is a 409', async () => {
    const rec = { id: 'idem-1', created_at: T0 + 20 * DAY, project_id: 'proj_i', input_tokens: 7, output_tokens: 3 };
    expect((await post('completions', [rec])).status).toBe(200);
    expect((await post('completions', [rec, rec])).status).toBe(200);
    const conflict = await post('completions', [{ ...rec, input_tokens: 8 }]);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.param).toBe('data[0].id');
    const page = await server.client().admin.organization.usage.completions({ start_time: T0 + 20 * DAY, end_time: T0 + 21 * DAY });
    expect(page.data[0]?.results).toEqual([expect.objectContaining({ input_tokens: 7, output_tokens: 3, num_model_requests: 1 })]);
  });

  it('rejects negative or fractional counts, unknown fields and broken token splits, writing nothing', async () => {
    const at = T0 + 30 * DAY;
    for (const [bad, param] of [
      [{ input_tokens: -1, output_tokens: 1 }, 'data[1].input_tokens'],
      [{ input_tokens: 1.5, output_tokens: 1 }, 'data[1].input_tokens'],
      [{ input_tokens: 1, output_tokens: 1, colour: 'red' }, 'data[1].colour'],
      [{ input_tokens: 10, input_cached_tokens: 11, output_tokens: 1 }, 'data[1].input_cached_tokens'],
    ] as const) {
      const res = await post('completions', [
        { created_at: at, input_tokens: 5, output_tokens: 5 },
        { created_at: at, ...bad },
      ]);
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe(param);
    }
    const page = await server.client().admin.organization.usage.completions({ start_time: at, end_time: at + DAY });
    expect(page.data[0]?.results).toEqual([]);
  });

  it('accepts NDJSON and keeps vector_stores usage_bytes as a level', async () => {
    const at = T0 + 40 * DAY;
    const lines = [
      { created_at: at + 100, project_id: 'proj_v', usage_bytes: 1000 },
      { created_at: at + 7200, project_id: 'proj_v', usage_bytes: 400 },
      { created_at: at + 50, project_id: 'proj_w', usage_bytes: 5 },
    ];
    const res = await post('vector_stores', null, { contentType: 'application/x-ndjson', rawBody: lines.map((l) => JSON.stringify(l)).join('\n') });
    expect(res.status).toBe(200);
    const page = await server.client().admin.organization.usage.vectorStores({ start_time: at, end_time: at + DAY, group_by: ['project_id'] });
    expect(sortResults(page.data[0]?.results ?? [])).toEqual(
      sortResults([
        { object: 'organization.usage.vector_stores.result', usage_bytes: 400, project_id: 'proj_v' },
        { object: 'organization.usage.vector_stores.result', usage_bytes: 5, project_id: 'proj_w' },
      ]),
    );
    const total = await server.client().admin.organization.usage.vectorStores({ start_time: at, end_time: at + DAY });
    expect(total.data[0]?.results).toEqual([{ object: 'organization.usage.vector_stores.result', usage_bytes: 405, project_id: null }]);
    expect(contractViolations).toEqual([]);
  });
});
