/** Pricing at ingest: known records give known line items and amounts, by created_at and tier. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let custom: TestServer;
const DAY = 86400;
const T0 = 1_767_225_600; // 2026-01-01T00:00Z, gpt-4o at its 2024-10-02 price

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  await custom?.close();
});

async function lineItems(s: TestServer, start: number, extra: Record<string, unknown> = {}) {
  const page = await s.client().admin.organization.usage.costs({ start_time: start, end_time: start + DAY, group_by: ['line_item'], ...extra } as any);
  return Object.fromEntries((page.data[0]?.results ?? []).map((r: any) => [r.line_item, { usd: r.amount.value, quantity: r.quantity, unit: r.quantity_unit }]));
}

describe('pricing at ingest', () => {
  it('splits a completion into uncached, cached, cache-write and output line items', async () => {
    const res = await server.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          {
            created_at: T0 + 10,
            model: 'gpt-4o',
            input_tokens: 1_000_000,
            input_cached_tokens: 200_000,
            input_cache_write_tokens: 100_000,
            output_tokens: 500_000,
          },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.warnings).toBeUndefined();
    expect(await lineItems(server, T0)).toEqual({
      // uncached = 1,000,000 - 200,000 - 100,000 = 700,000 at $2.50/1M
      'gpt-4o, input_tokens': { usd: 1.75, quantity: 700_000, unit: 'tokens' },
      'gpt-4o, cached_input_tokens': { usd: 0.25, quantity: 200_000, unit: 'tokens' },
      // no cache-write price for gpt-4o: charged at the input price
      'gpt-4o, cache_write_tokens': { usd: 0.25, quantity: 100_000, unit: 'tokens' },
      'gpt-4o, output_tokens': { usd: 5, quantity: 500_000, unit: 'tokens' },
    });
  });

  it('applies the price in force at created_at', async () => {
    const before = Date.UTC(2024, 8, 1) / 1000; // 2024-09-01: gpt-4o at $5 / $15
    await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ created_at: before, model: 'gpt-4o', input_tokens: 1_000_000, output_tokens: 1_000_000 }] },
    });
    expect(await lineItems(server, before)).toEqual({
      'gpt-4o, input_tokens': { usd: 5, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, output_tokens': { usd: 15, quantity: 1_000_000, unit: 'tokens' },
    });
  });

  it('prices batch and flex at the tier rule and priority at the model priority price', async () => {
    const at = T0 + 2 * DAY;
    const base = { created_at: at, model: 'gpt-4o', input_tokens: 1_000_000, output_tokens: 1_000_000 };
    const res = await server.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          { ...base, batch: true },
          { ...base, service_tier: 'flex' },
          { ...base, service_tier: 'priority' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(await lineItems(server, at)).toEqual({
      'gpt-4o, input_tokens, batch': { usd: 1.25, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, output_tokens, batch': { usd: 5, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, input_tokens, flex': { usd: 1.25, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, output_tokens, flex': { usd: 5, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, input_tokens, priority': { usd: 4.25, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, output_tokens, priority': { usd: 17, quantity: 1_000_000, unit: 'tokens' },
    });
  });

  it('prices images by size, speech by characters, transcription by seconds', async () => {
    const at = T0 + 3 * DAY;
    await server.request('POST', '/v1/organization/usage/images', { body: { data: [{ created_at: at, model: 'dall-e-3', size: '1024x1792', images: 3 }] } });
    await server.request('POST', '/v1/organization/usage/audio_speeches', { body: { data: [{ created_at: at, model: 'tts-1', characters: 2_000_000 }] } });
    await server.request('POST', '/v1/organization/usage/audio_transcriptions', { body: { data: [{ created_at: at, model: 'whisper-1', seconds: 600 }] } });
    expect(await lineItems(server, at)).toEqual({
      'dall-e-3, images': { usd: 0.24, quantity: 3, unit: 'images' },
      'tts-1, characters': { usd: 30, quantity: 2_000_000, unit: 'characters' },
      'whisper-1, seconds': { usd: 0.06, quantity: 600, unit: 'duration_seconds' },
    });
  });

  it('records an unpriced model as usage, warns, lists it, and never prices it as zero', async () => {
    const at = T0 + 4 * DAY;
    const res = await server.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          { created_at: at, model: 'house-llm', input_tokens: 10, output_tokens: 10 },
          { created_at: at, model: 'gpt-5-nano', service_tier: 'priority', input_tokens: 1, output_tokens: 1 },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.warnings.map((w: any) => [w.model, w.tier, w.records])).toEqual([
      ['house-llm', 'default', 1],
      ['gpt-5-nano', 'priority', 1],
    ]);
    expect(await lineItems(server, at)).toEqual({});
    const usage = await server.client().admin.organization.usage.completions({ start_time: at, end_time: at + DAY });
    expect(usage.data[0]?.results[0]).toMatchObject({ input_tokens: 11, num_model_requests: 2 });
    const listed = await server.request('GET', '/v1/organization/costs/unpriced');
    expect(listed.body.data).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'completions', model: 'house-llm', tier: 'default', records: 1 })]),
    );
  });

  it('a user price file overrides the shipped table', async () => {
    const file = join(server.dir, 'my-prices.json');
    writeFileSync(
      file,
      JSON.stringify({
        models: { 'house-llm': [{ effective_from: '2025-01-01', input: 1, output: 2 }], 'gpt-4o': [{ effective_from: '2020-01-01', input: 3, output: 4 }] },
      }),
    );
    custom = await startServer({ pricesFile: file });
    await custom.request('POST', '/v1/organization/usage/completions', {
      body: {
        data: [
          { created_at: T0, model: 'house-llm', input_tokens: 1_000_000, output_tokens: 1_000_000 },
          { created_at: T0, model: 'gpt-4o', input_tokens: 1_000_000, output_tokens: 0 },
        ],
      },
    });
    expect(await lineItems(custom, T0)).toEqual({
      'house-llm, input_tokens': { usd: 1, quantity: 1_000_000, unit: 'tokens' },
      'house-llm, output_tokens': { usd: 2, quantity: 1_000_000, unit: 'tokens' },
      'gpt-4o, input_tokens': { usd: 3, quantity: 1_000_000, unit: 'tokens' },
    });
  });
});

describe('costs endpoint', () => {
  it('takes explicit cost entries, idempotently, and groups by project and key', async () => {
    const at = T0 + 10 * DAY;
    const entries = [
      { id: 'c1', created_at: at + 5, project_id: 'proj_x', api_key_id: 'key_x', line_item: 'support plan', amount: { value: 12.5, currency: 'usd' } },
      {
        id: 'c2',
        created_at: at + 6,
        project_id: 'proj_y',
        line_item: 'fine-tuning',
        amount: { value: 0.5, currency: 'usd' },
        quantity: 2,
        quantity_unit: 'duration_hours',
      },
    ];
    expect((await server.request('POST', '/v1/organization/costs', { body: { data: entries } })).status).toBe(200);
    expect((await server.request('POST', '/v1/organization/costs', { body: { data: entries } })).status).toBe(200);
    const conflict = await server.request('POST', '/v1/organization/costs', { body: { data: [{ ...entries[0], amount: { value: 1, currency: 'usd' } }] } });
    expect(conflict.status).toBe(409);
    const page = await server.client().admin.organization.usage.costs({ start_time: at, end_time: at + DAY, group_by: ['project_id', 'api_key_id'] });
    const rows = (page.data[0]?.results ?? []).map((r: any) => [r.project_id, r.api_key_id, r.amount.value, r.line_item, r.quantity]);
    expect(rows).toEqual([
      ['proj_x', 'key_x', 12.5, null, null],
      ['proj_y', null, 0.5, null, null],
    ]);
    const filtered = await server
      .client()
      .admin.organization.usage.costs({ start_time: at, end_time: at + DAY, project_ids: ['proj_y'], group_by: ['line_item'] });
    expect(filtered.data[0]?.results).toEqual([
      {
        object: 'organization.costs.result',
        amount: { value: 0.5, currency: 'usd' },
        line_item: 'fine-tuning',
        project_id: null,
        api_key_id: null,
        user_id: null,
        api_source: null,
        quantity: 2,
        quantity_unit: 'duration_hours',
      },
    ]);
  });

  it('pages daily buckets and refuses bad widths and limits', async () => {
    const first = await server.client().admin.organization.usage.costs({ start_time: T0, end_time: T0 + 5 * DAY, limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await server.client().admin.organization.usage.costs({ start_time: T0, end_time: T0 + 5 * DAY, limit: 2, page: first.next_page as string });
    expect(second.data[0]?.start_time).toBe(T0 + 2 * DAY);
    for (const [qs, param] of [
      [`start_time=${T0}&bucket_width=1h`, 'bucket_width'],
      [`start_time=${T0}&limit=181`, 'limit'],
      [`start_time=${T0}&group_by=model`, 'group_by'],
    ]) {
      const res = await server.request('GET', `/v1/organization/costs?${qs}`);
      expect(res.status).toBe(400);
      expect(String(res.body.error.param)).toMatch(new RegExp(`^${param}`));
    }
    expect(contractViolations).toEqual([]);
  });
});
