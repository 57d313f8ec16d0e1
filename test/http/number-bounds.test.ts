/**
 * Numbers both engines store without overflow: every ingested integer (times, measures, cost amounts,
 * the cost derived from a usage record) and the audit-log time filters are bounded, so SQLite and
 * PostgreSQL answer the same 400 naming the field instead of one storing what the other cannot (a 500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COST_USD, MAX_MEASURE } from '../../src/features/usage/record-schema.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const USAGE = '/v1/organization/usage/completions';
const COSTS = '/v1/organization/costs';
const AT = 1_767_225_600; // 2026-01-01T00:00Z: gpt-4o has a price

function expect400(res: { status: number; body: any }, param: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.type).toBe('invalid_request_error');
  expect(res.body.error.param).toBe(param);
}

describe('audit-log time filters', () => {
  it.each(['gt', 'gte', 'lt', 'lte'])('effective_at[%s] beyond what a bigint holds', async (op) => {
    expect400(await server.request('GET', `/v1/organization/audit_logs?effective_at[${op}]=10000000000000000000`), `effective_at[${op}]`);
    expect400(await server.request('GET', `/v1/organization/audit_logs?effective_at[${op}]=-10000000000000000000`), `effective_at[${op}]`);
    const fine = await server.request('GET', `/v1/organization/audit_logs?effective_at[${op}]=${Number.MAX_SAFE_INTEGER}`);
    expect(fine.status, JSON.stringify(fine.body)).toBe(200);
  });
});

describe('usage records', () => {
  it('a measure above the bound', async () => {
    const record = { created_at: AT, model: 'gpt-4o', input_tokens: 1, output_tokens: MAX_MEASURE + 1 };
    expect400(await server.request('POST', USAGE, { body: { data: [record] } }), 'data[0].output_tokens');
    const huge = { created_at: AT, model: 'gpt-4o', input_tokens: 1e15, output_tokens: 1 };
    expect400(await server.request('POST', USAGE, { body: { data: [huge] } }), 'data[0].input_tokens');
  });

  it('a record at the measure bound whose derived cost exceeds what a line item may carry', async () => {
    // gpt-4o output is priced at dollars per million tokens: a trillion tokens costs millions.
    const record = { created_at: AT, model: 'gpt-4o', input_tokens: 1, output_tokens: MAX_MEASURE };
    const res = await server.request('POST', USAGE, { body: { data: [{ created_at: AT, model: 'gpt-4o', input_tokens: 1, output_tokens: 1 }, record] } });
    expect400(res, 'data[1].output_tokens');
    expect(res.body.error.message).toContain(String(MAX_COST_USD.toLocaleString('en-US')));
    const stored = await server.sql("SELECT count(*) AS n FROM usage_records WHERE kind = 'completions'");
    expect(Number(stored[0].n)).toBe(0);
  });

  it('the largest record both engines store is accepted and read back', async () => {
    const record = { created_at: AT, model: 'unpriced-model', input_tokens: MAX_MEASURE, output_tokens: MAX_MEASURE };
    const res = await server.request('POST', USAGE, { body: { data: [record] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const page = await server.request('GET', `${USAGE}?start_time=${AT}&end_time=${AT + 86_400}&models=unpriced-model`);
    expect(page.status).toBe(200);
    const results = page.body.data.flatMap((b: any) => b.results);
    expect(results[0].input_tokens).toBe(MAX_MEASURE);
  });
});

describe('cost entries', () => {
  it.each([MAX_COST_USD + 1, -(MAX_COST_USD + 1), 1e9])('amount %d', async (value) => {
    const entry = { created_at: AT, line_item: 'support', amount: { value, currency: 'usd' } };
    expect400(await server.request('POST', COSTS, { body: { data: [entry] } }), 'data[0].amount.value');
  });

  it('many entries at the bound in one bucket still sum without overflow', async () => {
    const entries = Array.from({ length: 100 }, (_, i) => ({ created_at: AT + i, line_item: 'support', amount: { value: MAX_COST_USD, currency: 'usd' } }));
    const res = await server.request('POST', COSTS, { body: { data: entries } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const page = await server.request('GET', `${COSTS}?start_time=${AT - (AT % 86_400)}&end_time=${AT - (AT % 86_400) + 86_400}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body.data[0].results[0].amount.value).toBe(100 * MAX_COST_USD);
  });
});
