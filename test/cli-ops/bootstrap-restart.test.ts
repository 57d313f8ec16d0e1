/**
 * The ORGLEDGER_ADMIN_KEY bootstrap key never bricks a restart: the API refuses to revoke it (409),
 * and when an operator revokes it anyway (CLI), the next `serve` still starts, says so, and the
 * revoked secret stays refused. Spawned `serve` processes, on the test engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startServeChild, testSecret } from '../helpers/cli.js';
import { freshTestDatabase, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';

let dir: string;
let pgDatabase: TestDatabase | undefined;
let storeArgs: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orgledger-bootstrap-'));
  if (PG_TEST_URL) pgDatabase = await freshTestDatabase();
  storeArgs = pgDatabase ? ['--database-url', pgDatabase.url] : ['--data', dir];
});
afterAll(async () => {
  await pgDatabase?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the bootstrap key and restarts', () => {
  it('the API refuses to revoke the configured key; an operator revoke leaves serve starting with a warning', async () => {
    const secret = testSecret('bootstrap');
    const first = await startServeChild(storeArgs, { ORGLEDGER_ADMIN_KEY: secret });
    let other: OpenAI.Admin.Organization.AdminAPIKeyCreateResponse;
    let bootstrapId: string;
    try {
      const keys = first.client(secret).admin.organization.adminAPIKeys;
      other = await keys.create({ name: 'second admin' });
      const mine = [];
      for await (const k of keys.list()) mine.push(k);
      bootstrapId = mine.find((k) => k.name === 'bootstrap (ORGLEDGER_ADMIN_KEY)')?.id as string;
      expect(bootstrapId).toBeDefined();

      const res = await fetch(`${first.url}/v1/organization/admin_api_keys/${bootstrapId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${other.value}` },
      });
      expect(res.status).toBe(409);
      const body = (await res.json()) as any;
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'conflict', param: 'key_id' });
      expect(body.error.message).toContain('ORGLEDGER_ADMIN_KEY');
      // still works, and other keys are revocable as before
      await keys.retrieve(bootstrapId);
      const spare = await keys.create({ name: 'spare' });
      await first.client(other.value).admin.organization.adminAPIKeys.delete(spare.id);
    } finally {
      await first.kill();
    }

    const revoked = await runCli(['keys', 'revoke', bootstrapId, ...storeArgs]);
    expect(revoked.code, revoked.stderr).toBe(0);

    const second = await startServeChild(storeArgs, { ORGLEDGER_ADMIN_KEY: secret });
    try {
      expect(second.stderr()).toContain(`ORGLEDGER_ADMIN_KEY names admin key ${bootstrapId}, which was revoked`);
      await expect(second.client(secret).admin.organization.adminAPIKeys.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      const listed = await second.client(other.value).admin.organization.adminAPIKeys.list({ limit: 100 });
      expect(listed.data.map((k) => k.id)).not.toContain(bootstrapId);
    } finally {
      await second.kill();
    }
  });
});
