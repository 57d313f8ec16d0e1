/**
 * `orgledger usage --provider` (migration 9's providers filter) against a running server over HTTP
 * and, on SQLite, against its store directly: both give the filtered totals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliNdjson } from '../helpers/cli.js';
import { startServer, TEST_ENGINE, type TestServer } from '../helpers/server.js';

const T0 = 1_767_225_600; // 2026-01-01T00:00Z
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  const record = (i: number, provider: string | null) => ({
    created_at: T0 + 60 * i,
    provider,
    model: 'm',
    project_id: 'proj_a',
    input_tokens: 10 ** i,
    output_tokens: 1,
  });
  const res = await server.request('POST', '/v1/organization/usage/completions', {
    body: { data: [record(0, 'openai'), record(1, 'anthropic'), record(2, null), record(3, 'openai')] },
  });
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await server?.close();
});

/** NDJSON buckets as the API returns them: the input tokens of all their results. */
const inputTokens = (buckets: { results: { input_tokens: number }[] }[]) => buckets.flatMap((b) => b.results).reduce((n, r) => n + r.input_tokens, 0);
const args = ['usage', 'completions', '--since', '2026-01-01T00:00:00Z', '--until', '2026-01-02T00:00:00Z', '--json'];

describe('orgledger usage --provider', () => {
  it('over HTTP: only the named providers', async () => {
    const remote = ['--url', server.url, '--key', server.adminKey];
    expect(inputTokens(await cliNdjson([...args, ...remote, '--provider', 'openai']))).toBe(1001);
    expect(inputTokens(await cliNdjson([...args, ...remote, '--provider', 'openai', '--provider', 'anthropic']))).toBe(1011);
    expect(inputTokens(await cliNdjson([...args, ...remote]))).toBe(1111);
  });

  it.skipIf(TEST_ENGINE !== 'sqlite')('on the local store: the same', async () => {
    expect(inputTokens(await cliNdjson([...args, '--data', server.dir, '--provider', 'anthropic']))).toBe(10);
  });
});
