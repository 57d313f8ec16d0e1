/**
 * Admin-key authentication: the hook that turns a bearer key into the request's principal (see
 * src/http/principal.ts). The key decides the organization, so a key never reaches another
 * organization's data.
 */
import type { FastifyInstance } from 'fastify';
import type { KeyService } from '../features/keys/service.js';
import { errors } from '../lib/errors.js';
import type { Store } from '../store/store.js';

const TOUCH_EVERY_SECONDS = 60;

export function registerAuth(app: FastifyInstance, keys: KeyService, store: Store): void {
  // last_used_at is refreshed at most once a minute per key, so reads stay read-only on the store.
  const lastTouched = new Map<string, number>();

  app.addHook('onRequest', async (request) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return;
    const header = request.headers.authorization;
    if (!header) throw errors.unauthenticated("You didn't provide an API key. Send your admin key as 'Authorization: Bearer <key>'.");
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw errors.unauthenticated("The Authorization header must be 'Bearer <admin key>'.");
    const key = await keys.authenticate(match[1] as string);
    if (!key) throw errors.unauthenticated();
    request.principal = { orgId: key.orgId, keyId: key.id, scopes: new Set(key.scopes), owner: key.owner };
    if (!request.principal.scopes.has(scope)) throw errors.missingScope(scope);

    const now = Math.floor(Date.now() / 1000);
    if ((lastTouched.get(key.id) ?? key.lastUsedAt ?? 0) + TOUCH_EVERY_SECONDS <= now) {
      lastTouched.set(key.id, now);
      store
        .write((tx) => tx.keys.touchAdminKeys([{ orgId: key.orgId, id: key.id, at: now }]))
        .catch((err: unknown) => {
          request.log.warn({ err }, 'could not record last_used_at');
        });
    }
  });
}
