/**
 * Organizations and admin API keys. Creating and deleting a key records api_key.created /
 * api_key.deleted in the same write as the change.
 */

import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { validateEvent } from '../audit-logs/event-validation.js';
import type { Actor } from '../audit-logs/schemas.js';
import { appendAuditEvents } from '../audit-logs/service.js';
import type { CreateAdminKeyBody, ListAdminKeysQuery } from './schemas.js';
import { hashSecret, newSecret, redact } from './secrets.js';
import type { KeyStore } from './store.js';
import { type AdminKeyRecord, ALL_SCOPES, type KeyOwner, type Organization, type Principal, type Scope } from './types.js';

export const DEFAULT_ORG_ID = 'org-default';

export function adminKeyWire(k: AdminKeyRecord) {
  return {
    object: 'organization.admin_api_key' as const,
    id: k.id,
    name: k.name,
    redacted_value: k.redactedValue,
    created_at: k.createdAt,
    expires_at: k.expiresAt,
    last_used_at: k.lastUsedAt,
    owner: k.owner,
    scopes: k.scopes,
  };
}

/** Keys made by operators (CLI, bootstrap) belong to the organization's orgledger service account. */
function operatorOwner(org: Organization): KeyOwner {
  return {
    type: 'service_account',
    object: 'organization.service_account',
    id: `svc_acct_orgledger_${org.id.replace(/^org-/, '')}`,
    name: 'orgledger operator',
    created_at: org.createdAt,
    role: 'owner',
  };
}

/** The actor of an event a principal caused (orgledger records it for key and retention changes). */
export function actorOf(p: Principal): Actor {
  const apiKey: NonNullable<Actor['api_key']> = { id: p.keyId, type: p.owner.type };
  if (p.owner.type === 'user') apiKey.user = { id: p.owner.id, ...(p.owner.email ? { email: p.owner.email } : {}) };
  else apiKey.service_account = { id: p.owner.id };
  return { type: 'api_key', api_key: apiKey };
}

export interface NewKey {
  record: AdminKeyRecord;
  secret: string;
}

export class KeyService {
  constructor(
    private readonly store: KeyStore,
    private readonly clock: Clock,
    /** ORGLEDGER_ADMIN_KEY of this server: its key may not be revoked over the API (a restart would need it). */
    private readonly configuredSecret?: string,
  ) {}

  /** Who a bearer secret belongs to; null for unknown, revoked or expired keys. */
  async authenticate(secret: string): Promise<AdminKeyRecord | null> {
    const key = await this.store.keys.findAdminKeyByHash(hashSecret(secret));
    if (!key || key.revokedAt !== null) return null;
    if (key.expiresAt !== null && key.expiresAt <= this.clock.nowSeconds()) return null;
    return key;
  }

  /**
   * A key grants at most what it holds: asking for more is a 403 naming what it lacks, and omitted
   * scopes mean the caller's own (operators hold all of them).
   */
  async create(principal: Principal, body: CreateAdminKeyBody): Promise<NewKey> {
    const lacking = (body.scopes ?? []).filter((s) => !principal.scopes.has(s));
    if (lacking.length > 0) throw errors.scopesNotHeld(lacking);
    const now = this.clock.nowSeconds();
    const secret = newSecret();
    const record: AdminKeyRecord = {
      orgId: principal.orgId,
      id: newId('adminKey', this.clock.nowMs()),
      name: body.name,
      secretHash: hashSecret(secret),
      redactedValue: redact(secret),
      createdAt: now,
      expiresAt: body.expires_in_seconds ? now + body.expires_in_seconds : null,
      lastUsedAt: null,
      revokedAt: null,
      scopes: body.scopes ?? ALL_SCOPES.filter((s) => principal.scopes.has(s)),
      owner: principal.owner,
    };
    const event = validateEvent(
      { type: 'api_key.created', effective_at: now, actor: actorOf(principal), 'api_key.created': { id: record.id, data: { scopes: record.scopes } } },
      'event',
      now,
    );
    await this.store.write(async (tx) => {
      await tx.keys.insertAdminKey(record);
      await appendAuditEvents(tx, principal.orgId, [event], this.clock);
    });
    return { record, secret };
  }

  async get(orgId: string, id: string): Promise<AdminKeyRecord> {
    const key = await this.store.keys.getAdminKey(orgId, id);
    if (!key) throw errors.notFound(`No admin API key with id '${id}' in this organization.`, 'key_id');
    return key;
  }

  async list(orgId: string, q: ListAdminKeysQuery) {
    const limit = q.limit ?? 20;
    let after: { createdAt: number; id: string } | undefined;
    if (q.after) {
      const key = await this.store.keys.getAdminKey(orgId, q.after);
      if (!key) throw errors.invalidParam('after', `Invalid 'after': no admin API key with id '${q.after}' in this organization.`);
      after = { createdAt: key.createdAt, id: key.id };
    }
    const rows = await this.store.keys.listAdminKeys({ orgId, order: q.order ?? 'asc', after, fetch: limit + 1 });
    const page = rows.slice(0, limit).map(adminKeyWire);
    return { object: 'list' as const, data: page, has_more: rows.length > limit, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null };
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    if (this.configuredSecret !== undefined) {
      const key = await this.store.keys.getAdminKey(principal.orgId, id);
      if (key && key.secretHash === hashSecret(this.configuredSecret))
        throw errors.conflict(
          `Admin API key '${id}' is this server's ORGLEDGER_ADMIN_KEY and cannot be revoked over the API. Set a new ORGLEDGER_ADMIN_KEY and restart first, or revoke it with \`orgledger keys revoke\`.`,
          'key_id',
        );
    }
    const now = this.clock.nowSeconds();
    const event = validateEvent({ type: 'api_key.deleted', effective_at: now, actor: actorOf(principal), 'api_key.deleted': { id } }, 'event', now);
    await this.store.write(async (tx) => {
      if (!(await tx.keys.revokeAdminKey(principal.orgId, id, now))) throw errors.notFound(`No admin API key with id '${id}' in this organization.`, 'key_id');
      await appendAuditEvents(tx, principal.orgId, [event], this.clock);
    });
  }

  /** Operator paths (CLI, start-up) act as the organization's orgledger service account. */
  async operatorPrincipal(orgId: string): Promise<Principal> {
    const org = await this.store.keys.getOrganization(orgId);
    if (!org) throw errors.notFound(`No organization with id '${orgId}'.`, 'org');
    return { orgId, keyId: 'orgledger-operator', scopes: new Set(ALL_SCOPES), owner: operatorOwner(org) };
  }

  async ensureOrganization(id: string, name: string): Promise<Organization> {
    return this.store.write(async (tx) => {
      const existing = await tx.keys.getOrganization(id);
      if (existing) return existing;
      const org = { id, name, createdAt: this.clock.nowSeconds() };
      await tx.keys.insertOrganization(org);
      return org;
    });
  }

  /** `orgs create`: a new organization and its first admin key, in one write. */
  async createOrganization(name: string): Promise<{ org: Organization; key: NewKey }> {
    const org = { id: newId('organization', this.clock.nowMs()), name, createdAt: this.clock.nowSeconds() };
    const key = this.operatorKey(org, 'first admin key', [...ALL_SCOPES]);
    await this.store.write(async (tx) => {
      await tx.keys.insertOrganization(org);
      await tx.keys.insertAdminKey(key.record);
    });
    return { org, key };
  }

  /**
   * The default organization and its first admin key, as every start needs them (serve, the tests,
   * the benchmarks): creates what is missing. Returns the new key when one was made (its secret is
   * shown once), null when the organization already had an active key or `configuredSecret` existed.
   */
  async bootstrap(configuredSecret: string | undefined, warn?: (message: string) => void): Promise<NewKey | null> {
    await this.ensureOrganization(DEFAULT_ORG_ID, 'Default organization');
    return this.ensureBootstrapKey(DEFAULT_ORG_ID, configuredSecret, warn);
  }

  /**
   * Start-up: with a configured secret, make sure a key with exactly that secret exists; without one,
   * create a key only if the organization has none that works. Safe when several processes start at
   * once: the check and the insert share one serialized write. Returns a key only when it was created
   * and its secret is new to the operator. A configured secret whose key was revoked does not stop
   * the start (that would brick every restart): `warn` says so, and the secret stays refused.
   */
  async ensureBootstrapKey(orgId: string, configuredSecret: string | undefined, warn: (message: string) => void = () => {}): Promise<NewKey | null> {
    const org = await this.store.keys.getOrganization(orgId);
    if (!org) throw new Error(`organization ${orgId} does not exist`);
    return this.store.write(async (tx) => {
      if (configuredSecret !== undefined) {
        const existing = await tx.keys.findAdminKeyByHash(hashSecret(configuredSecret));
        if (existing) {
          if (existing.orgId !== orgId) throw new Error(`ORGLEDGER_ADMIN_KEY belongs to organization ${existing.orgId}, not ${orgId}`);
          if (existing.revokedAt !== null)
            warn(
              `ORGLEDGER_ADMIN_KEY names admin key ${existing.id}, which was revoked: it does not authenticate. Set a new secret, or create a key with \`orgledger keys create\`.`,
            );
          return null;
        }
        const key = this.operatorKey(org, 'bootstrap (ORGLEDGER_ADMIN_KEY)', [...ALL_SCOPES], configuredSecret);
        await tx.keys.insertAdminKey(key.record);
        return null;
      }
      if ((await tx.keys.countActiveAdminKeys(orgId, this.clock.nowSeconds())) > 0) return null;
      const key = this.operatorKey(org, 'first admin key', [...ALL_SCOPES]);
      await tx.keys.insertAdminKey(key.record);
      return key;
    });
  }

  /** `keys create` from the CLI. */
  async createOperatorKey(orgId: string, name: string, scopes: Scope[], expiresInSeconds?: number): Promise<NewKey> {
    const principal = await this.operatorPrincipal(orgId);
    return this.create(principal, { name, scopes, ...(expiresInSeconds ? { expires_in_seconds: expiresInSeconds } : {}) });
  }

  private operatorKey(org: Organization, name: string, scopes: Scope[], secret = newSecret()): NewKey {
    const now = this.clock.nowSeconds();
    return {
      secret,
      record: {
        orgId: org.id,
        id: newId('adminKey', this.clock.nowMs()),
        name,
        secretHash: hashSecret(secret),
        redactedValue: redact(secret),
        createdAt: now,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
        scopes,
        owner: operatorOwner(org),
      },
    };
  }
}
