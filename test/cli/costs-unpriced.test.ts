/** `orgledger costs` says, below the table on stderr, which usage the costs leave out as unpriced. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli, startServeChild, testSecret } from '../helpers/cli.js';

it('notes unpriced usage, from a server (--url) and from the local store', async () => {
  const data = mkdtempSync(join(tmpdir(), 'orgledger-unpriced-'));
  const key = testSecret('unpriced');
  try {
    const server = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: key });
    const res = await fetch(`${server.url}/v1/organization/usage/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        data: [
          { model: 'acme-unlisted-1', input_tokens: 100, output_tokens: 1, num_model_requests: 1 },
          { model: 'acme-unlisted-1', input_tokens: 200, output_tokens: 2, num_model_requests: 1 },
          { model: 'gpt-4o', input_tokens: 100, output_tokens: 1, num_model_requests: 1 },
        ],
      }),
    });
    expect(res.status).toBe(200);
    const note = 'note: 2 records of model acme-unlisted-1 (completions, default tier) are unpriced and not in the costs';
    const remote = await runCli(['costs', '--url', server.url, '--key', key, '--since', '1d']);
    expect(remote.code).toBe(0);
    expect(remote.stderr).toContain(note);
    expect(remote.stdout).not.toContain('unpriced');
    await server.kill();
    const local = await runCli(['costs', '--data', data, '--since', '1d', '--json']);
    expect(local.code).toBe(0);
    expect(local.stderr).toContain(note);
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
}, 120_000);
