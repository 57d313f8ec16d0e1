/**
 * Property test: random records of several kinds, random queries (widths, aligned and unaligned
 * starts, explicit ends, group_by subsets, filters, page sizes, both array encodings); every query,
 * walked page by page, must equal the brute-force aggregation of the same records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UsageKindName, usageKind } from '../../src/features/usage/kinds.js';
import { contractViolations } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { expectedBuckets, normalize, prng, type Rec, sortResults } from './brute-force.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const T0 = 1_767_225_600; // 2026-01-01T00:00Z
const SPAN = 3 * 86400;
const pools: Record<string, unknown[]> = {
  project_id: ['proj_a', 'proj_b', 'proj_c', null],
  user_id: ['user-1', 'user-2', null],
  api_key_id: ['key_1', 'key_2', 'key_3'],
  model: ['gpt-4o', 'gpt-4o-mini', 'unpriced-x', null],
  batch: [true, false, null],
  service_tier: ['default', 'flex', 'priority', null],
  size: ['256x256', '1024x1024', null],
  source: ['image.generation', 'image.edit'],
  vector_store_id: ['vs_1', 'vs_2'],
  context_level: ['low', 'high', null],
  api_source: ['agents_api', 'unlabeled', null],
};
const WIDTHS = { '1m': 60, '1h': 3600, '1d': 86400 } as const;
const MAX_LIMIT = { '1m': 1440, '1h': 168, '1d': 31 } as const;

function randomRecord(kindName: UsageKindName, rnd: ReturnType<typeof prng>, i: number): Rec {
  const kind = usageKind(kindName);
  // cluster times so 1m and 1h buckets get several records
  const r: Rec = { id: `${kindName}-${i}`, created_at: T0 + rnd.int(0, 40) * 1800 + rnd.pick([0, 1, 59, 60, 3599, rnd.int(0, 1799)]) };
  for (const d of kind.dimensions) {
    const v = rnd.pick(pools[d] as unknown[]);
    if (v !== null || rnd.chance(0.5)) r[d] = v;
  }
  for (const m of kind.measures) {
    if (m === 'input_uncached_tokens') continue;
    if (kind.requiredMeasures.includes(m) || rnd.chance(0.3)) r[m] = rnd.int(0, 1000);
  }
  if (kindName === 'completions') {
    r.input_tokens = rnd.int(100, 5000);
    r.input_cached_tokens = rnd.int(0, 50);
    for (const k of Object.keys(r)) if (/^input_(text|audio|image|cached_\w+)_tokens$/.test(k) || /^output_\w+_tokens$/.test(k)) r[k] = rnd.int(0, 10);
    r.input_cached_tokens = Math.max(
      r.input_cached_tokens,
      (r.input_cached_text_tokens ?? 0) + (r.input_cached_audio_tokens ?? 0) + (r.input_cached_image_tokens ?? 0),
    );
    r.output_tokens = rnd.int(40, 500);
    if (rnd.chance(0.3)) r.input_cache_write_tokens = rnd.int(0, 30);
    else delete r.input_cache_write_tokens;
    // The retention split is part of the cache writes (30m + 12h <= cache_write).
    for (const k of ['input_cache_write_30m_tokens', 'input_cache_write_12h_tokens']) if (r[k] !== undefined) r[k] = rnd.int(0, 15);
    if (r.input_cache_write_tokens === undefined) {
      delete r.input_cache_write_30m_tokens;
      delete r.input_cache_write_12h_tokens;
    } else r.input_cache_write_tokens = Math.max(r.input_cache_write_tokens, (r.input_cache_write_30m_tokens ?? 0) + (r.input_cache_write_12h_tokens ?? 0));
  }
  if (kindName === 'vector_stores' && rnd.chance(0.2)) r.created_at = T0 + 7200; // equal times: larger value wins
  return r;
}

function queryString(params: Record<string, unknown>, brackets: boolean): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) parts.push(`${encodeURIComponent(brackets ? `${k}[]` : k)}=${encodeURIComponent(String(x))}`);
    else parts.push(`${k}=${encodeURIComponent(String(v))}`);
  }
  return parts.join('&');
}

const KINDS: UsageKindName[] = ['completions', 'images', 'vector_stores', 'web_search_calls', 'file_search_calls'];

describe('usage queries equal a brute-force aggregation', () => {
  for (const [n, kindName] of KINDS.entries()) {
    it(`${kindName}: random records, random queries, every page`, async () => {
      const kind = usageKind(kindName);
      const rnd = prng(1000 + n);
      const records = Array.from({ length: 300 }, (_, i) => randomRecord(kindName, rnd, i));
      for (let i = 0; i < records.length; i += 100) {
        const res = await server.request('POST', `/v1/organization/usage/${kindName}`, { body: { data: records.slice(i, i + 100) } });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      const stored = records.map((r) => normalize(kind, r));
      let nonEmpty = 0;
      for (let q = 0; q < 30; q++) {
        const width = rnd.pick(['1m', '1h', '1d'] as const);
        const w = WIDTHS[width];
        const align = rnd.pick([86400, 3600, 60, 1]);
        const start = T0 - 86400 + rnd.int(0, SPAN);
        const alignedStart = start - (start % align);
        const maxBuckets = width === '1m' ? rnd.int(1, 300) : rnd.int(1, 6);
        const end = alignedStart + rnd.int(1, maxBuckets * w);
        const groupBy = kind.groupBy.filter(() => rnd.chance(0.4));
        const filters: Record<string, unknown[]> = {};
        const params: Record<string, unknown> = {
          start_time: alignedStart,
          end_time: end,
          bucket_width: width,
          group_by: groupBy.length ? groupBy : undefined,
        };
        for (const f of kind.filters) {
          if (!rnd.chance(0.25)) continue;
          if (f.boolean) {
            const v = rnd.chance(0.5);
            filters[f.dimension] = [v];
            params[f.param] = v;
          } else {
            const values = (pools[f.dimension] as unknown[]).filter((v) => v !== null && rnd.chance(0.6));
            if (!values.length) continue;
            filters[f.dimension] = values;
            params[f.param] = values;
          }
        }
        params.limit = rnd.int(1, Math.min(MAX_LIMIT[width], 40));
        const expected = expectedBuckets(kind, stored, { start: alignedStart, end, width: w, groupBy, filters });
        const brackets = rnd.chance(0.5);
        const got: any[] = [];
        let page: string | null = null;
        for (let guard = 0; guard < 400; guard++) {
          const qs = queryString({ ...params, page: page ?? undefined }, brackets);
          const res = await server.request('GET', `/v1/organization/usage/${kindName}?${qs}`);
          expect(res.status, `${qs} -> ${JSON.stringify(res.body)}`).toBe(200);
          got.push(...res.body.data);
          if (!res.body.has_more) {
            expect(res.body.next_page).toBeNull();
            break;
          }
          page = res.body.next_page;
        }
        const normalized = got.map((b) => ({ ...b, object: undefined, results: sortResults(b.results) })).map(({ object: _, ...b }) => b);
        expect(normalized, `query ${JSON.stringify(params)}`).toEqual(expected);
        nonEmpty += expected.filter((b) => b.results.length > 0).length;
      }
      // the queries must actually hit data, or equality would prove little
      expect(nonEmpty).toBeGreaterThan(10);
      expect(contractViolations).toEqual([]);
    });
  }
});
