/** `orgledger streams add|list|show|replay|remove` on a local store and over --url, spawned like a user runs it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliJson, runCli, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-cli-streams-'));
const data = join(root, 'store');
let serve: ServeChild | undefined;
afterAll(async () => {
  await serve?.kill();
  rmSync(root, { recursive: true, force: true });
});

describe('orgledger streams', () => {
  it('adds a webhook stream showing its secret once, lists, shows, replays and removes it', async () => {
    const made = await cliJson(['streams', 'add', '--data', data, '--body', '{"name":"siem","sink":{"type":"webhook","url":"https://siem.example/h"}}']);
    expect(made.object).toBe('organization.log_stream');
    expect(made.sink.secret).toMatch(/^whsec_/);
    const listed = await cliJson(['streams', 'list', '--data', data]);
    expect(listed.data.map((s: { id: string }) => s.id)).toEqual([made.id]);
    expect(JSON.stringify(listed)).not.toContain(made.sink.secret);
    const shown = await cliJson(['streams', 'show', made.id, '--data', data]);
    expect(shown).toMatchObject({ id: made.id, status: 'active', delivered: 0, last_error: null });
    const replayed = await cliJson(['streams', 'replay', made.id, '--from', '1', '--data', data]);
    expect(replayed.cursor).toEqual({ audit: 0, usage: 0 });
    const removed = await cliJson(['streams', 'remove', made.id, '--data', data]);
    expect(removed.deleted).toBe(true);
  }, 60_000);

  it('refuses a sink missing a field, a bad --from and a missing stream, with exit codes', async () => {
    const s3 = await runCli(['streams', 'add', '--data', data, '--body', '{"name":"x","sink":{"type":"s3","bucket":"b"}}']);
    expect(s3.code).toBe(2);
    expect(s3.stderr).toContain('param: sink.region');
    const from = await runCli(['streams', 'replay', 'logstream_x', '--from', 'yesterday-ish', '--data', data]);
    expect(from.code).toBe(2);
    const missing = await runCli(['streams', 'show', 'logstream_nope', '--data', data]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No log stream found');
  }, 60_000);

  it('manages the streams of a server over --url with the same JSON, errors and exit codes', async () => {
    const key = testSecret('streams-url');
    // Delivery off: the stream's counters stay as created.
    serve = await startServeChild(['--data', join(root, 'served')], { ORGLEDGER_ADMIN_KEY: key, ORGLEDGER_LOG_STREAM_POLL_MS: '0' });
    const remote = ['--url', serve.url, '--key', key];
    const made = await cliJson([
      'streams',
      'add',
      ...remote,
      '--body',
      '{"name":"siem","sink":{"type":"splunk_hec","url":"https://splunk.example:8088","token":"hec-secret-token"}}',
    ]);
    expect(made).toMatchObject({ object: 'organization.log_stream', name: 'siem', sink: { type: 'splunk_hec', token: 'hec-secret-token' } });
    const listed = await cliJson(['streams', 'list', ...remote]);
    expect(listed.data.map((s: { id: string }) => s.id)).toEqual([made.id]);
    expect(JSON.stringify(listed)).not.toContain('hec-secret-token');
    // the server's own answer is what the CLI prints
    const api = await fetch(`${serve.url}/v1/organization/log_streams/${made.id}`, { headers: { authorization: `Bearer ${key}` } });
    const shown = await cliJson(['streams', 'show', made.id, ...remote]);
    expect(shown).toEqual(await api.json());
    const replayed = await cliJson(['streams', 'replay', made.id, '--from', '@1700000000', ...remote]);
    expect(replayed.cursor).toEqual({ audit: 0, usage: 0 });
    const bad = await runCli(['streams', 'add', ...remote, '--body', '{"name":"x","sink":{"type":"s3","bucket":"b"}}']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('param: sink.region');
    const removed = await cliJson(['streams', 'remove', made.id, ...remote]);
    expect(removed.deleted).toBe(true);
    const missing = await runCli(['streams', 'show', made.id, ...remote]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No log stream found');
    const noKey = await runCli(['streams', 'list', '--url', serve.url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('needs --key');
    const wrongKey = await runCli(['streams', 'list', '--url', serve.url, '--key', testSecret('nobody')]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('401');
  }, 90_000);
});
