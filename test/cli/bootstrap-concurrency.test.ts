/**
 * Bootstrap is idempotent also when several `serve` processes start at once on a fresh store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliNdjson, type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';

const dirs: string[] = [];
const running: ServeChild[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-boot-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(running.map((s) => s.kill('SIGKILL')));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startTwo(data: string, env: Record<string, string>): Promise<ServeChild[]> {
  const servers = await Promise.all([startServeChild(['--data', data], env), startServeChild(['--data', data], env)]);
  running.push(...servers);
  return servers;
}

describe('concurrent bootstrap', () => {
  it('two servers started at once with the same ORGLEDGER_ADMIN_KEY: both serve it, one key exists', async () => {
    const data = tempDir();
    const secret = testSecret('boot');
    const servers = await startTwo(data, { ORGLEDGER_ADMIN_KEY: secret });
    for (const s of servers) {
      const keys = await s.client(secret).admin.organization.adminAPIKeys.list({ limit: 100 });
      expect(keys.data).toHaveLength(1);
      expect(keys.data[0]?.redacted_value).toBe(`sk-admin...${secret.slice(-3)}`);
    }
    for (const s of servers) expect((await s.kill('SIGTERM')).code).toBe(0);
    const listed = await cliNdjson(['keys', 'list', '--data', data]);
    expect(listed).toHaveLength(1);
    expect(listed[0].redacted_value).toBe(`sk-admin...${secret.slice(-3)}`);

    // and a third start later adds nothing either
    const third = await startServeChild(['--data', data], { ORGLEDGER_ADMIN_KEY: secret });
    running.push(third);
    expect(third.stdout()).toContain('ORGLEDGER_ADMIN_KEY');
    await third.kill('SIGTERM');
    expect(await cliNdjson(['keys', 'list', '--data', data])).toHaveLength(1);
  });

  it('two servers started at once without ORGLEDGER_ADMIN_KEY: exactly one creates and prints a key', async () => {
    const data = tempDir();
    const servers = await startTwo(data, {});
    const printed = servers.map((s) => /admin key \(shown once[^:]*\): (sk-admin-\S+)/.exec(s.stdout())?.[1]).filter((x): x is string => !!x);
    expect(printed).toHaveLength(1);
    const secret = printed[0] as string;
    for (const s of servers) expect((await s.client(secret).admin.organization.adminAPIKeys.list()).data).toHaveLength(1);
    for (const s of servers) await s.kill('SIGTERM');
    expect(await cliNdjson(['keys', 'list', '--data', data])).toHaveLength(1);
  });
});
