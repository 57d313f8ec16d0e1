/**
 * Test data for audit logs: representative details objects generated from the spec's AuditLog
 * schemas, actor builders, a seeded random source, and an in-memory oracle that answers a list
 * query the way the spec says the server must (so tests derive expectations from their own data).
 */
import { readFileSync } from 'node:fs';
import type { TestServer } from './server.js';

const spec = JSON.parse(readFileSync(new URL('../../spec/openai-admin-subset.json', import.meta.url), 'utf8'));
const table = JSON.parse(readFileSync(new URL('../../spec/audit-log-event-types.json', import.meta.url), 'utf8')) as {
  event_types: { type: string; tenant_scoped: boolean }[];
};

export const EVENT_TYPES: { type: string; tenantScoped: boolean }[] = table.event_types.map((e) => ({ type: e.type, tenantScoped: e.tenant_scoped }));
export const TENANT_TYPES = EVENT_TYPES.filter((e) => e.tenantScoped).map((e) => e.type);
export const NON_TENANT_TYPES = EVENT_TYPES.filter((e) => !e.tenantScoped).map((e) => e.type);
const auditLogProps: Record<string, any> = spec.components.schemas.AuditLog.properties;

function resolve(schema: any): any {
  if (schema?.$ref) {
    const name = String(schema.$ref).split('/').pop() as string;
    return resolve(spec.components.schemas[name]);
  }
  return schema;
}

/** A value of `schema` that uses every property, every array holds two items; strings name their path. */
export function sampleFromSchema(raw: any, path: string): unknown {
  const schema = resolve(raw);
  if (!schema) return `${path}-value`;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[schema.enum.length - 1];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) return sampleFromSchema(alternatives.find((a: any) => resolve(a)?.type !== 'null') ?? alternatives[0], path);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(schema.properties ?? {})) out[k] = sampleFromSchema(v, `${path}.${k}`);
      return out;
    }
    case 'array':
      return [sampleFromSchema(schema.items, `${path}[0]`), sampleFromSchema(schema.items, `${path}[1]`)];
    case 'integer':
      return 1_700_000_123;
    case 'number':
      return 12.5;
    case 'boolean':
      return true;
    case 'string':
      return `${path}-value`;
    default:
      return `${path}-value`;
  }
}

/** A details object for `type`: from the spec's schema, or (types the spec gives none) a nested one of our own. */
export function representativeDetails(type: string, id = `res_${type.replace(/\W/g, '_')}`): Record<string, unknown> {
  const schema = auditLogProps[type];
  const details = schema
    ? (sampleFromSchema(schema, type) as Record<string, unknown>)
    : { data: { name: `${type}-name`, tags: ['a', 'b'], nested: { n: 3, ok: false } } };
  // A details object whose schema has an `id` carries the resource id we choose.
  if (!schema || 'id' in (resolve(schema).properties ?? {})) details.id = id;
  return details;
}

export function hasIdInDetails(type: string): boolean {
  const schema = auditLogProps[type];
  return !schema || 'id' in (resolve(schema).properties ?? {});
}

export const actors = {
  session: (userId: string, email?: string) => ({
    type: 'session' as const,
    session: { user: { id: userId, ...(email ? { email } : {}) }, ip_address: '10.0.0.1' },
  }),
  userKey: (keyId: string, userId: string, email?: string) => ({
    type: 'api_key' as const,
    api_key: { id: keyId, type: 'user' as const, user: { id: userId, ...(email ? { email } : {}) } },
  }),
  serviceKey: (keyId: string, serviceAccountId: string) => ({
    type: 'api_key' as const,
    api_key: { id: keyId, type: 'service_account' as const, service_account: { id: serviceAccountId } },
  }),
};

/** mulberry32: a small seeded generator, so a failing data set can be reproduced. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T };
}

/** POSTs events; throws unless the server answers 200. Returns the ids in input order. */
export async function ingest(server: TestServer, events: unknown[], key?: string): Promise<string[]> {
  const res = await server.request('POST', '/v1/organization/audit_logs', { body: { data: events }, ...(key ? { key } : {}) });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.data as { id: string }[]).map((d) => d.id);
}

/** An event as the test sent it plus the id the server gave it and its append position. */
export interface Recorded {
  id: string;
  seq: number;
  event: Record<string, any>;
}

export interface ListFilter {
  effective_at?: { gt?: number; gte?: number; lt?: number; lte?: number };
  project_ids?: string[];
  event_types?: string[];
  actor_ids?: string[];
  actor_emails?: string[];
  resource_ids?: string[];
  tenant_only?: boolean;
}

function actorIdsOf(actor: any): string[] {
  if (!actor) return [];
  if (actor.type === 'session') return actor.session?.user?.id ? [actor.session.user.id] : [];
  const k = actor.api_key ?? {};
  return [k.id, k.user?.id, k.service_account?.id].filter((x): x is string => typeof x === 'string');
}

function actorEmailOf(actor: any): string | null {
  if (!actor) return null;
  if (actor.type === 'session') return actor.session?.user?.email ?? null;
  return actor.api_key?.user?.email ?? null;
}

/** The ids a correct server lists for `filter`, newest first (ties: later appended first). */
export function expectedIds(recorded: Recorded[], filter: ListFilter): string[] {
  const tenantOf = new Map(EVENT_TYPES.map((e) => [e.type, e.tenantScoped]));
  const r = filter.effective_at ?? {};
  return recorded
    .filter(({ event }) => {
      if ((tenantOf.get(event.type) ?? false) !== (filter.tenant_only ?? false)) return false;
      const at = event.effective_at as number;
      if (r.gt !== undefined && !(at > r.gt)) return false;
      if (r.gte !== undefined && !(at >= r.gte)) return false;
      if (r.lt !== undefined && !(at < r.lt)) return false;
      if (r.lte !== undefined && !(at <= r.lte)) return false;
      if (filter.project_ids && !filter.project_ids.includes(event.project?.id)) return false;
      if (filter.event_types && !filter.event_types.includes(event.type)) return false;
      if (filter.actor_ids && !actorIdsOf(event.actor).some((id) => filter.actor_ids?.includes(id))) return false;
      if (filter.actor_emails) {
        const email = actorEmailOf(event.actor);
        if (email === null || !filter.actor_emails.includes(email)) return false;
      }
      if (filter.resource_ids) {
        const id = event[event.type]?.id;
        if (typeof id !== 'string' || !filter.resource_ids.includes(id)) return false;
      }
      return true;
    })
    .sort((a, b) => (b.event.effective_at as number) - (a.event.effective_at as number) || b.seq - a.seq)
    .map((x) => x.id);
}

/** Every id the SDK's auto-pagination yields for `params`. */
export async function listAllIds(server: TestServer, params: Record<string, unknown>, key?: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const log of server.client(key).admin.organization.auditLogs.list(params as any)) ids.push(log.id);
  return ids;
}
