/**
 * Helpers of the copy tests: a source store filled by the real CLI (demo, a second organization, a
 * revoked key) and over HTTP (cost entries, events and usage with client ids), a real HTTP server on
 * any existing store, and a snapshot of everything the API answers for a comparison.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { USAGE_KIND_NAMES, usageKind } from '../../src/features/usage/kinds.js';
import { COPY_ENTITIES } from '../../src/store/copy.js';
import { openStore, storeReady } from '../../src/store/open.js';
import { cliJson, runCli } from '../helpers/cli.js';
import { contractFetch } from '../helpers/contract.js';
import type { TestDatabase } from '../helpers/pg.js';

export const END = '2026-06-30T18:00:00Z';
export const END_S = Date.parse(END) / 1000;
const START_S = END_S - 9 * 86400;

/** A store the tests open: a SQLite file or a PostgreSQL test schema. */
export type StoreAt = { engine: 'sqlite'; path: string } | { engine: 'postgres'; db: TestDatabase };

export const sqliteAt = (dir: string): StoreAt => ({ engine: 'sqlite', path: join(dir, 'orgledger.sqlite') });
export const locationOf = (at: StoreAt): string => (at.engine === 'sqlite' ? at.path : at.db.url);

/** One SELECT on the store's engine (both engines answer the same SQL for these). */
export async function sql<R = any>(at: StoreAt, text: string): Promise<R[]> {
  if (at.engine === 'postgres') {
    // bigint columns as numbers, as the engine reads them (SQLite gives numbers too).
    const client = new pg.Client({
      connectionString: at.db.url,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === 20 ? Number : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    await client.connect();
    try {
      return (await client.query(text)).rows as R[];
    } finally {
      await client.end();
    }
  }
  const db = new Database(at.path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(text).all() as R[];
  } finally {
    db.close();
  }
}

export interface Served {
  url: string;
  request(method: string, path: string, key: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The production app on an existing store, listening on a real port. */
export async function serve(at: StoreAt): Promise<Served> {
  const databaseUrl = at.engine === 'postgres' ? at.db.url : at.path;
  const config = loadConfig({
    // No log-stream delivery: the source's stream points at a closed port, and delivery attempts
    // would change its row (counters, lease) between the copy and the comparison.
    env: { ORGLEDGER_LOG_STREAM_POLL_MS: '0' },
    flags: { port: 0, logLevel: 'silent', databaseUrl, sqliteSynchronous: 'NORMAL', pgPoolSize: 4, pgConnectWaitSeconds: 5 },
  });
  const store = openStore(config);
  await storeReady(store);
  const app: FastifyInstance = await buildApp(config, { store, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    async request(method, path, key, body) {
      const res = await contractFetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}

export interface Source {
  keyDefault: string;
  keyOther: string;
  otherOrg: string;
  /** What was posted with client ids into the other organization (replayed against copies). */
  posted: { events: unknown[]; usage: unknown[]; costs: unknown[] };
}

const otherEvents = Array.from({ length: 30 }, (_, i) => ({
  id: `evt-client-${i}`,
  type: 'project.created',
  effective_at: END_S - 3600 * i,
  actor: { type: 'session', session: { user: { id: `user-${i % 3}`, email: `u${i % 3}@example.com` } } },
  'project.created': { id: `proj_${i}`, data: { name: `Project ${i}` } },
}));
const otherUsage = Array.from({ length: 40 }, (_, i) => ({
  id: `use-client-${i}`,
  created_at: END_S - 1800 * i,
  project_id: `proj_${i % 4}`,
  model: i % 5 === 0 ? 'mystery-model' : 'gpt-4o',
  input_tokens: 1000 + i,
  output_tokens: 10 * i,
  // migration 9: the provider column travels with the record
  ...(i % 3 === 0 ? { provider: i % 2 ? 'anthropic' : 'openai' } : {}),
}));
const costEntries = Array.from({ length: 12 }, (_, i) => ({
  id: `cost-client-${i}`,
  created_at: END_S - 86400 * (i % 6) - 60,
  project_id: i % 2 ? 'proj_a' : null,
  line_item: i % 3 ? 'support' : 'fine-tuning training',
  amount: { value: i % 4 === 3 ? -2.5 : 1.25 * (i + 1), currency: 'usd' },
  quantity: i + 1,
  quantity_unit: 'hours',
}));

/** Fills a SQLite store at `dir`: a small demo, a revoked key, explicit cost entries, a second organization with client-id writes. */
export async function makeSource(dir: string): Promise<Source> {
  const demo = await cliJson(['demo', '--days', '7', '--people', '20', '--seed', '5', '--end', END, '--data', dir]);
  const other = await cliJson(['orgs', 'create', '--name', 'Acme Research', '--data', dir]);
  const gateway = await cliJson(['keys', 'create', '--name', 'gateway', '--scopes', 'audit_logs.write', '--data', dir]);
  await cliJson(['keys', 'create', '--name', 'ci', '--expires-in', '86400', '--data', dir]);
  await cliJson(['retention', 'set', '--audit', '3650d', '--json', '--data', dir]);
  const revoked = await runCli(['keys', 'revoke', gateway.id, '--data', dir]);
  if (revoked.code !== 0) throw new Error(revoked.stderr);
  const source: Source = {
    keyDefault: demo.admin_key,
    keyOther: other.admin_key.value,
    otherOrg: other.organization.id,
    posted: { events: otherEvents, usage: otherUsage, costs: costEntries },
  };
  const served = await serve(sqliteAt(dir));
  try {
    const post = async (path: string, key: string, data: unknown[]) => {
      const r = await served.request('POST', path, key, { data });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
    };
    await post('/v1/organization/costs', source.keyDefault, costEntries);
    await post('/v1/organization/audit_logs', source.keyOther, otherEvents);
    await post('/v1/organization/usage/completions', source.keyOther, otherUsage);
    await post('/v1/organization/costs', source.keyOther, costEntries.slice(0, 4));
    const stream = await served.request('POST', '/v1/organization/log_streams', source.keyDefault, {
      name: 'copied stream',
      sink: { type: 'webhook', url: 'http://127.0.0.1:9/hook' },
      records: ['audit', 'usage'],
    });
    if (stream.status !== 200) throw new Error(`log stream: ${stream.status} ${JSON.stringify(stream.body)}`);
  } finally {
    await served.close();
  }
  // A mirror cursor, as `orgledger sync` leaves one (its own tests run the sync itself).
  const store = openStore(loadConfig({ env: {}, flags: { databaseUrl: join(dir, 'orgledger.sqlite'), logLevel: 'silent' } }));
  try {
    await storeReady(store);
    await store.write((tx) =>
      tx.sync.putSyncCursor({ orgId: source.otherOrg, stream: 'audit', position: END_S - 3600, lastRunAt: END_S, lastError: null, records: 7 }),
    );
  } finally {
    await store.close();
  }
  return source;
}

/** Every page of a list answer, following `next_page` (buckets) or `last_id` (lists). */
async function allPages(s: Served, key: string, path: string): Promise<unknown[]> {
  const pages: unknown[] = [];
  let next = path;
  for (let i = 0; i < 500; i++) {
    const r = await s.request('GET', next, key);
    if (r.status !== 200) throw new Error(`GET ${next}: ${r.status} ${JSON.stringify(r.body)}`);
    pages.push(r.body);
    const sep = path.includes('?') ? '&' : '?';
    if (r.body.next_page) next = `${path}${sep}page=${encodeURIComponent(r.body.next_page)}`;
    else if (r.body.has_more && r.body.last_id) next = `${path}${sep}after=${encodeURIComponent(r.body.last_id)}`;
    else return pages;
  }
  throw new Error(`too many pages of ${path}`);
}

const q = (params: Record<string, string | number | string[]>) =>
  Object.entries(params)
    .flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}[]=${encodeURIComponent(x)}`) : [`${k}=${encodeURIComponent(String(v))}`]))
    .join('&');

/** What the API answers an organization's key: audit logs (several ways), usage of every kind, costs, unpriced usage, keys. */
export async function apiSnapshot(s: Served, key: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const get = async (name: string, path: string) => {
    out[name] = await allPages(s, key, path);
  };
  await get('logs', `/v1/organization/audit_logs?limit=100`);
  await get('logs:login', `/v1/organization/audit_logs?${q({ limit: 7, event_types: ['login.succeeded', 'login.failed'] })}`);
  await get('logs:window', `/v1/organization/audit_logs?limit=20&effective_at[gte]=${END_S - 2 * 86400}&effective_at[lt]=${END_S - 86400}`);
  for (const kind of USAGE_KIND_NAMES) {
    const path = `/v1/organization/usage/${kind}`;
    await get(`usage:${kind}`, `${path}?${q({ start_time: START_S, end_time: END_S + 86400, limit: 31 })}`);
    await get(`usage:${kind}:grouped`, `${path}?${q({ start_time: START_S, end_time: END_S + 86400, limit: 31, group_by: usageKind(kind).groupBy })}`);
  }
  await get(
    'usage:completions:1h',
    `/v1/organization/usage/completions?${q({ start_time: START_S, end_time: END_S + 86400, bucket_width: '1h', limit: 168, group_by: ['model'] })}`,
  );
  await get(
    'usage:completions:1m',
    `/v1/organization/usage/completions?${q({ start_time: END_S - 7200, end_time: END_S, bucket_width: '1m', limit: 1440, group_by: ['project_id'] })}`,
  );
  await get(
    'usage:completions:providers',
    `/v1/organization/usage/completions?${q({ start_time: START_S, end_time: END_S + 86400, limit: 31, group_by: ['project_id'], providers: ['openai'] })}`,
  );
  await get('costs', `/v1/organization/costs?${q({ start_time: START_S, end_time: END_S + 86400, limit: 30, group_by: ['project_id', 'line_item'] })}`);
  await get('costs:all', `/v1/organization/costs?${q({ start_time: START_S, end_time: END_S + 86400, limit: 30 })}`);
  await get('unpriced', '/v1/organization/costs/unpriced');
  const keys = (await allPages(s, key, '/v1/organization/admin_api_keys?limit=100')) as { data: Record<string, unknown>[] }[];
  // Serving touches last_used_at of the key making the requests; the CLI comparison covers it exactly.
  out.keys = keys.map((p) => ({ ...p, data: p.data.map(({ last_used_at: _, ...k }) => k) }));
  return out;
}

/** Every table's rows in key order, booleans normalized: the stores' contents, comparable across engines. */
export async function dumpTables(at: StoreAt): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const e of COPY_ENTITIES) {
    const rows = await sql<Record<string, unknown>>(at, `SELECT ${e.columns.join(', ')} FROM ${e.table} ORDER BY ${e.key.join(', ')}`);
    out[e.table] = rows.map((r) => {
      for (const b of e.booleans) r[b] = r[b] === true || r[b] === 1;
      return r;
    });
  }
  return out;
}
