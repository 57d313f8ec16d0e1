/** `orgledger streams add|list|show|replay|remove` on a local store, spawned like a user runs it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliJson, runCli } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-cli-streams-'));
const data = join(root, 'store');
afterAll(() => rmSync(root, { recursive: true, force: true }));

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
});
