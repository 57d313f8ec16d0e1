/**
 * Where read commands (logs, usage, costs, export) get their data: a local store through the services,
 * or any server speaking the OpenAI Admin API (orgledger, or OpenAI itself) over plain fetch, with the
 * query encoded the way the openai SDK encodes it (`x[]=a&x[]=b`, `effective_at[gte]=1`).
 */

import type { ValidateFunction } from 'ajv';
import { type Command, Option } from 'commander';
import { ConfigError } from '../config/config.js';
import { type ListAuditLogsQuery, listAuditLogsQuerySchema } from '../features/audit-logs/schemas.js';
import { AuditLogService } from '../features/audit-logs/service.js';
import { queryCosts } from '../features/costs/service.js';
import { type UsageKindName, usageKind } from '../features/usage/kinds.js';
import { queryUsage, type UsagePage } from '../features/usage/query.js';
import { type CostsQuery, costsQuerySchema, type UsageQuery, usageQuerySchema } from '../features/usage/schemas.js';
import { systemClock } from '../lib/clock.js';
import { errors } from '../lib/errors.js';
import { compileQuery, describeAjvError } from '../lib/validator.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { configFrom, resolveOrg, type StoreOptions } from './context.js';

export interface SourceOptions extends StoreOptions {
  url?: string;
  key?: string;
  org?: string;
}

/** The flags that choose the source, shared by every read command. */
export function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'read from a server speaking the OpenAI Admin API (orgledger or https://api.openai.com) instead of a local store')
    .addOption(new Option('--key <key>', 'admin key for --url').env('OPENAI_ADMIN_KEY'))
    .option('--data <dir>', 'data directory of the local embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the local store [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--org <id-or-name>', 'organization of a local store, by id or unique name (default: the default organization)');
}

/** Serializes like the openai SDK (qs, arrayFormat brackets, RFC 3986). */
export function encodeQuery(query: Record<string, unknown>): string {
  const parts: string[] = [];
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) parts.push(`${enc(`${key}[]`)}=${enc(String(v))}`);
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (v !== undefined) parts.push(`${enc(`${key}[${k}]`)}=${enc(String(v))}`);
    } else parts.push(`${enc(key)}=${enc(value === null ? '' : String(value))}`);
  }
  return parts.join('&');
}

/** An error response of a server: its status decides the exit code (a 400 is the caller's mistake). */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const validators = new Map<string, ValidateFunction>();

/**
 * A local query goes through the route's own querystring schema, compiled as Fastify compiles it
 * (coercion, defaults), so a bad value fails here exactly as it would be a 400 over --url.
 */
export function validQuery<T>(route: string, schema: () => object, query: Record<string, unknown>): T {
  let validate = validators.get(route);
  if (!validate) {
    validate = compileQuery(schema());
    validators.set(route, validate);
  }
  const copy = structuredClone(query);
  if (!validate(copy)) {
    const { param, message } = describeAjvError('', (validate.errors ?? [])[0] as NonNullable<ValidateFunction['errors']>[number], 'brackets');
    throw errors.invalidParam(param, message);
  }
  return copy as T;
}

export class RemoteApi {
  readonly base: string;

  constructor(
    url: string,
    readonly key: string,
  ) {
    this.base = url.replace(/\/+$/, '').replace(/\/v1$/, '');
  }

  async get<T>(path: string, query: Record<string, unknown>): Promise<T> {
    const qs = encodeQuery(query);
    return this.request<T>('GET', `${path}${qs ? `?${qs}` : ''}`);
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', pathAndQuery: string, payload?: unknown): Promise<T> {
    const target = `${this.base}/v1${pathAndQuery}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}`, accept: 'application/json' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(target, { method, headers, ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}) });
    } catch (err) {
      throw new Error(`cannot reach ${this.base}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${res.status} from ${this.base}: the response is not JSON`);
    }
    if (!res.ok) {
      const e = (body as { error?: { message?: string; param?: string | null } }).error;
      throw new RemoteError(res.status, `${res.status} from ${this.base}: ${e?.message ?? text.slice(0, 200)}${e?.param ? ` (param: ${e.param})` : ''}`);
    }
    return body as T;
  }
}

export interface AuditQuery {
  event_types?: string[];
  actor_ids?: string[];
  actor_emails?: string[];
  project_ids?: string[];
  resource_ids?: string[];
  tenant_only?: boolean;
  effective_at?: { gt?: number; gte?: number; lt?: number; lte?: number };
  limit?: number;
  after?: string;
  before?: string;
}

export interface AuditPage {
  data: Record<string, unknown>[];
  first_id: string | null;
  last_id: string | null;
  has_more: boolean;
}

/** One page of audit logs, wherever they live. */
export interface AuditReader {
  page(query: AuditQuery): Promise<AuditPage>;
  close(): Promise<void>;
}

/** One page of usage buckets of a kind, or of costs. */
export type BucketReader = (what: UsageKindName | 'costs', query: Record<string, unknown>) => Promise<UsagePage>;

export interface Source {
  remote: RemoteApi | null;
  buckets: BucketReader;
  /** The local store (null for a remote source). */
  store: Store | null;
  /** The organization of a local store, resolved from --org (id or unique name); null for a remote source. */
  orgId: (() => Promise<string>) | null;
  audit: AuditReader;
  close(): Promise<void>;
}

export function openSource(opts: SourceOptions): Source {
  if (opts.url) {
    if (!opts.key) throw new ConfigError('--url needs an admin key: --key or OPENAI_ADMIN_KEY');
    if (opts.org !== undefined) throw new ConfigError('--org is for a local store; over --url the admin key chooses the organization');
    const remote = new RemoteApi(opts.url, opts.key);
    const close = async () => {};
    const buckets: BucketReader = (what, q) => remote.get<UsagePage>(what === 'costs' ? '/organization/costs' : `/organization/usage/${what}`, q);
    return { remote, store: null, orgId: null, buckets, audit: { page: (q) => remote.get<AuditPage>('/organization/audit_logs', { ...q }), close }, close };
  }
  if (opts.key && !opts.url && process.env.OPENAI_ADMIN_KEY !== opts.key) throw new ConfigError('--key is for --url; a local store needs no key');
  const store = openStore(configFrom(opts));
  const service = new AuditLogService(store, systemClock);
  const close = () => store.close();
  let resolved: Promise<string> | undefined;
  const org = () => {
    resolved ??= resolveOrg(store, opts.org);
    return resolved;
  };
  const buckets: BucketReader = async (what, q) =>
    what === 'costs'
      ? queryCosts(
          store,
          await org(),
          validQuery<CostsQuery>('costs', () => costsQuerySchema, q),
          systemClock.nowSeconds(),
        )
      : queryUsage(
          store,
          await org(),
          usageKind(what),
          validQuery<UsageQuery>(what, () => usageQuerySchema(usageKind(what)), q),
          systemClock.nowSeconds(),
        );
  return {
    remote: null,
    buckets,
    store,
    orgId: org,
    audit: {
      page: async (q) =>
        JSON.parse(await service.list(await org(), validQuery<ListAuditLogsQuery>('audit_logs', listAuditLogsQuerySchema, { ...q }))) as AuditPage,
      close,
    },
    close,
  };
}

/** Every event matching the query, page by page (newest first), at most `max`. */
export async function* auditEvents(reader: AuditReader, query: AuditQuery, max = Number.POSITIVE_INFINITY): AsyncGenerator<Record<string, unknown>> {
  let after: string | undefined;
  let seen = 0;
  for (;;) {
    const page = await reader.page({ ...query, limit: Math.min(100, Math.max(1, max - seen)), ...(after ? { after } : {}) });
    for (const event of page.data) {
      if (seen >= max) return;
      seen++;
      yield event;
    }
    if (!page.has_more || !page.last_id || seen >= max) return;
    after = page.last_id;
  }
}

/** Every bucket of the query, page by page (oldest first, as the API returns them). */
export async function* allBuckets(read: BucketReader, what: UsageKindName | 'costs', query: Record<string, unknown>) {
  let page: string | undefined;
  for (;;) {
    const res = await read(what, { ...query, ...(page ? { page } : {}) });
    for (const bucket of res.data) yield bucket;
    if (!res.has_more || !res.next_page) return;
    page = res.next_page;
  }
}
