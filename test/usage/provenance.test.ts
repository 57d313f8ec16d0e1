/**
 * Provenance of usage records and cost entries: every record ingested (usage API, costs API, OTLP)
 * keeps the admin key that ingested it, the request id and when; `orgledger export usage-records |
 * cost-entries --provenance` shows them to whoever holds the store; the OpenAI-shaped usage and costs
 * responses never carry them. On SQLite and (postgres project) PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '../../src/cli/export.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let writer: { id: string; value: string };
let out: string;
const T = Math.floor(Date.now() / 1000) - 3600;

beforeAll(async () => {
  server = await startServer();
  out = mkdtempSync(join(tmpdir(), 'orgledger-prov-'));
  const created = await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'usage writer', scopes: ['usage.write', 'usage.read'] } });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  writer = created.body as { id: string; value: string };
});
afterAll(async () => {
  await server.close();
  rmSync(out, { recursive: true, force: true });
});

/** Runs `orgledger export <args>` in this process against the test server's store; the lines written. */
async function exportLines(args: string[], file: string): Promise<string[]> {
  const program = new Command().exitOverride();
  registerExport(program);
  const store = server.config.databaseUrl?.startsWith('postgres') ? ['--database-url', server.config.databaseUrl] : ['--data', server.config.dataDir];
  await program.parseAsync(['node', 'orgledger', 'export', ...args, ...store, '-o', join(out, file)]);
  return readFileSync(join(out, file), 'utf8').trim().split('\n');
}

describe('provenance of usage and costs', () => {
  it('records the ingesting key, request id and time of usage records, cost entries and OTLP spans; export --provenance shows them', async () => {
    const usage = await server.request('POST', '/v1/organization/usage/completions', {
      key: writer.value,
      body: { data: [{ id: 'prov-u1', created_at: T, model: 'gpt-4o', input_tokens: 10, output_tokens: 2, user_id: 'user-p' }] },
    });
    expect(usage.status, JSON.stringify(usage.body)).toBe(200);
    const costs = await server.request('POST', '/v1/organization/costs', {
      key: writer.value,
      body: { data: [{ id: 'prov-c1', created_at: T, line_item: 'support', amount: { value: 1.25, currency: 'usd' } }] },
    });
    expect(costs.status, JSON.stringify(costs.body)).toBe(200);
    const span = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                  name: 'chat gpt-4o',
                  startTimeUnixNano: String(T * 1e9),
                  endTimeUnixNano: String((T + 1) * 1e9),
                  attributes: [
                    { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                    { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                    { key: 'gen_ai.usage.input_tokens', value: { intValue: '3' } },
                    { key: 'gen_ai.usage.output_tokens', value: { intValue: '4' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const otlp = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer.value}`, 'content-type': 'application/json' },
      body: JSON.stringify(span),
    });
    expect(otlp.status).toBe(200);

    const rows = await server.sql("SELECT id, ingested_by, request_id, ingested_at FROM usage_records WHERE id IN ('prov-u1') ORDER BY id");
    expect(rows).toEqual([{ id: 'prov-u1', ingested_by: writer.id, request_id: usage.headers.get('x-request-id'), ingested_at: expect.anything() }]);

    const records = (await exportLines(['usage-records', '--kind', 'completions', '--provenance'], 'usage.jsonl')).map((l) => JSON.parse(l));
    const byId = new Map(records.map((r) => [r.id, r]));
    expect(byId.get('prov-u1')).toMatchObject({
      kind: 'completions',
      model: 'gpt-4o',
      input_tokens: 10,
      user_id: 'user-p',
      ingested_by: writer.id,
      request_id: usage.headers.get('x-request-id'),
    });
    expect(Math.abs(Number(byId.get('prov-u1').ingested_at) - Date.now() / 1000)).toBeLessThan(600);
    const fromSpan = records.find((r) => String(r.id).startsWith('otel:'));
    expect(fromSpan).toMatchObject({ ingested_by: writer.id, request_id: otlp.headers.get('x-request-id'), input_tokens: 3 });

    const entries = (await exportLines(['cost-entries', '--provenance', '--format', 'csv'], 'costs.csv')).map((l) => l.split(','));
    const header = entries[0] as string[];
    const row = entries.find((r) => r[0] === 'prov-c1') as string[];
    expect(row[header.indexOf('ingested_by')]).toBe(writer.id);
    expect(row[header.indexOf('request_id')]).toBe(costs.headers.get('x-request-id'));

    // Without the flag the raw export leaves provenance out; the API-shaped responses never carry it.
    const plain = (await exportLines(['usage-records', '--kind', 'completions'], 'plain.jsonl')).map((l) => JSON.parse(l));
    expect(plain.find((r) => r.id === 'prov-u1')).not.toHaveProperty('ingested_by');
    const page = await server.request('GET', `/v1/organization/usage/completions?start_time=${T - 86400}&group_by=user_id`);
    const costPage = await server.request('GET', `/v1/organization/costs?start_time=${T - 86400}&group_by=line_item`);
    for (const body of [page.body, costPage.body]) {
      expect(JSON.stringify(body)).not.toContain(writer.id);
      expect(JSON.stringify(body)).not.toContain('ingested');
    }
  });

  it('export refuses --provenance on API-shaped exports and raw records over --url', async () => {
    await expect(exportLines(['usage', '--provenance'], 'x.jsonl')).rejects.toThrow(/--provenance is for logs, usage-records and cost-entries/);
    const program = new Command().exitOverride();
    registerExport(program);
    await expect(program.parseAsync(['node', 'orgledger', 'export', 'cost-entries', '--url', server.url, '--key', server.adminKey])).rejects.toThrow(
      /local store/,
    );
  });
});
