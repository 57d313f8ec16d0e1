/**
 * The SDK's error classes for what orgledger rejects, each with the right status, `param` and code,
 * and each body an ErrorResponse of the spec (contractFetch checks every one).
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret, redact } from '../../src/features/keys/secrets.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { contractViolations } from '../helpers/contract.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  await ingest(server, [{ type: 'project.created', 'project.created': { id: 'proj_1' } }]);
});
afterAll(async () => {
  await server.close();
});

async function failure<T>(promise: Promise<unknown>, cls: new (...args: any[]) => T): Promise<T & InstanceType<typeof OpenAI.APIError>> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(cls);
  return err as T & InstanceType<typeof OpenAI.APIError>;
}

const list = (params: Record<string, unknown>, key?: string) => server.client(key).admin.organization.auditLogs.list(params as any);

describe('AuthenticationError (401 invalid_api_key)', () => {
  it('no key at all (raw HTTP: the SDK refuses to send without one)', async () => {
    const res = await server.request('GET', '/v1/organization/audit_logs', { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'invalid_api_key', param: null });
    const malformed = await server.request('GET', '/v1/organization/audit_logs', { key: 'two words' });
    expect(malformed.status).toBe(401);
  });

  it('a wrong key', async () => {
    const err = await failure(list({}, 'sk-admin-this-key-does-not-exist-anywhere'), OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_api_key');
    expect(err.param).toBeNull();
  });

  it('a revoked key', async () => {
    const created = await server.client().admin.organization.adminAPIKeys.create({ name: 'soon revoked' });
    expect((await list({}, created.value)).data.length).toBeGreaterThan(0);
    await server.client().admin.organization.adminAPIKeys.delete(created.id);
    const err = await failure(list({}, created.value), OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
  });

  it('an expired key', async () => {
    // A key whose expiry already passed, written straight to the store (no waiting).
    const secret = newSecret();
    const now = Math.floor(Date.now() / 1000);
    const valid = await server.keys.authenticate(server.adminKey);
    if (!valid) throw new Error('bootstrap key missing');
    await server.store.write((tx) =>
      tx.keys.insertAdminKey({
        ...valid,
        id: `key_expired_${now}`,
        name: 'expired',
        secretHash: hashSecret(secret),
        redactedValue: redact(secret),
        createdAt: now - 100,
        expiresAt: now - 10,
        orgId: DEFAULT_ORG_ID,
      }),
    );
    const err = await failure(list({}, secret), OpenAI.AuthenticationError);
    expect(err.code).toBe('invalid_api_key');
  });
});

describe('BadRequestError (400) names the parameter', () => {
  it.each([
    ['limit 0', { limit: 0 }, 'limit'],
    ['limit 101', { limit: 101 }, 'limit'],
    ['limit abc', { limit: 'abc' }, 'limit'],
    ['limit 2.5', { limit: 2.5 }, 'limit'],
    ['unknown event type', { event_types: ['project.created', 'project.exploded'] }, 'event_types'],
    ['malformed effective_at', { effective_at: { gte: 'last-tuesday' } }, 'effective_at'],
    ['unknown effective_at operator', { effective_at: { since: 5 } }, 'effective_at'],
    ['unknown after id', { after: 'audit_log-doesnotexist' }, 'after'],
    ['unknown before id', { before: 'audit_log-doesnotexist' }, 'before'],
    ['tenant_only not boolean', { tenant_only: 'perhaps' }, 'tenant_only'],
  ])('%s', async (_what, params, param) => {
    const err = await failure(list(params), OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.param === param || String(err.param).startsWith(`${param}[`) || String(err.param).startsWith(`${param}.`), `param ${err.param}`).toBe(true);
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('admin key list: bad limit, order, unknown after', async () => {
    const keys = server.client().admin.organization.adminAPIKeys;
    expect((await failure(keys.list({ limit: 0 }), OpenAI.BadRequestError)).param).toBe('limit');
    expect((await failure(keys.list({ order: 'sideways' as 'asc' }), OpenAI.BadRequestError)).param).toBe('order');
    expect((await failure(keys.list({ after: 'key_nope' }), OpenAI.BadRequestError)).param).toBe('after');
  });

  it('admin key create: missing name, bad expires_in_seconds, unknown scope', async () => {
    const keys = server.client().admin.organization.adminAPIKeys;
    expect((await failure(keys.create({} as any), OpenAI.BadRequestError)).param).toBe('name');
    expect((await failure(keys.create({ name: 'x', expires_in_seconds: 0 }), OpenAI.BadRequestError)).param).toBe('expires_in_seconds');
    const scoped = await failure(keys.create({ name: 'x', scopes: ['audit_logs.read', 'root'] } as any), OpenAI.BadRequestError);
    expect(String(scoped.param)).toMatch(/^scopes/);
  });
});

describe('PermissionDeniedError (403) and NotFoundError (404)', () => {
  it('a key without the scope', async () => {
    const writer = await server.client().admin.organization.adminAPIKeys.create({ name: 'writer', scopes: ['audit_logs.write'] } as any);
    const err = await failure(list({}, writer.value), OpenAI.PermissionDeniedError);
    expect(err.status).toBe(403);
    expect(err.message).toContain('audit_logs.read');
    await failure(server.client(writer.value).admin.organization.adminAPIKeys.list(), OpenAI.PermissionDeniedError);
  });

  it('retrieve and delete of an unknown key', async () => {
    const keys = server.client().admin.organization.adminAPIKeys;
    const a = await failure(keys.retrieve('key_missing'), OpenAI.NotFoundError);
    expect(a.status).toBe(404);
    expect(a.param).toBe('key_id');
    const b = await failure(keys.delete('key_missing'), OpenAI.NotFoundError);
    expect(b.param).toBe('key_id');
  });

  it('every error body matched the spec ErrorResponse', () => {
    expect(contractViolations).toEqual([]);
  });
});
