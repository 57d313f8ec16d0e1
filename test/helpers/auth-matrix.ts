/**
 * The authentication/authorization matrix every authenticated route must pass: no key, a wrong key, a
 * revoked key, a key lacking the route's scope (401/401/401/403), and a key with only that scope
 * (allowed). Features register their routes with describeAuthMatrix().
 */
import { expect, it } from 'vitest';
import { ALL_SCOPES, type Scope } from '../../src/features/keys/types.js';
import type { TestServer } from './server.js';

export interface AuthRoute {
  method: string;
  /** The path as the OpenAPI document names it, e.g. /organization/admin_api_keys/{key_id}. */
  template: string;
  scope: Scope;
  /** The path and body of a request that succeeds with a key holding `scope` (called once per case). */
  prepare(server: TestServer): Promise<{ path: string; body?: unknown }>;
  /** The success status (default 200). */
  okStatus?: number;
}

interface Keys {
  revoked: string;
  lacking: Map<Scope, string>;
  only: Map<Scope, string>;
}

async function makeKeys(server: TestServer): Promise<Keys> {
  const api = server.client().admin.organization.adminAPIKeys;
  const revokedKey = await api.create({ name: 'revoked' });
  await api.delete(revokedKey.id);
  const lacking = new Map<Scope, string>();
  const only = new Map<Scope, string>();
  for (const scope of ALL_SCOPES) {
    const without = await api.create({ name: `without ${scope}`, scopes: ALL_SCOPES.filter((s) => s !== scope) } as any);
    lacking.set(scope, without.value);
    const with1 = await api.create({ name: `only ${scope}`, scopes: [scope] } as any);
    only.set(scope, with1.value);
  }
  return { revoked: revokedKey.value, lacking, only };
}

/** Defines one test per route and case. `server` is read lazily (it starts in beforeAll). */
export function describeAuthMatrix(getServer: () => TestServer, routes: AuthRoute[]): void {
  let keys: Promise<Keys> | undefined;
  const keysOf = (server: TestServer) => {
    keys ??= makeKeys(server);
    return keys;
  };

  for (const route of routes) {
    const name = `${route.method} ${route.template}`;
    const send = async (key: string | null) => {
      const server = getServer();
      const { path, body } = await route.prepare(server);
      return { path, res: await server.request(route.method, path, { key, ...(body !== undefined ? { body } : {}) }) };
    };
    const expectError = (res: { status: number; body: any }, status: number, what: string) => {
      expect(res.status, what).toBe(status);
      expect(res.body?.error?.type, what).toBe('invalid_request_error');
      if (status === 401) expect(res.body.error.code, what).toBe('invalid_api_key');
    };

    it(`${name}: no key -> 401`, async () => {
      const { path, res } = await send(null);
      expectError(res, 401, `${route.method} ${path}`);
    });
    it(`${name}: wrong key -> 401`, async () => {
      const { path, res } = await send('sk-admin-not-a-real-key-000000000000000000000');
      expectError(res, 401, `${route.method} ${path}`);
    });
    it(`${name}: revoked key -> 401`, async () => {
      const k = await keysOf(getServer());
      const { path, res } = await send(k.revoked);
      expectError(res, 401, `${route.method} ${path}`);
    });
    it(`${name}: key without ${route.scope} -> 403`, async () => {
      const k = await keysOf(getServer());
      const { path, res } = await send(k.lacking.get(route.scope) as string);
      expectError(res, 403, `${route.method} ${path}`);
      expect(res.body.error.message).toContain(route.scope);
    });
    it(`${name}: key with only ${route.scope} -> ${route.okStatus ?? 200}`, async () => {
      const k = await keysOf(getServer());
      const { path, res } = await send(k.only.get(route.scope) as string);
      expect(res.status, `${route.method} ${path}: ${JSON.stringify(res.body)}`).toBe(route.okStatus ?? 200);
    });
  }
}
