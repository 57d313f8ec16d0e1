/**
 * A real orgledger for tests: the production buildApp() on a real SQLite file in a temp folder (or,
 * when ORGLEDGER_TEST_DATABASE_URL is set, on a fresh PostgreSQL schema: see pg.ts), listening on a
 * real port, with the official openai SDK as the client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import OpenAILatest from 'openai-latest';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config/config.js';
import { KeyService } from '../../src/features/keys/service.js';
import { systemClock } from '../../src/lib/clock.js';
import { openStore, storeReady } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { contractFetch } from './contract.js';
import { freshTestDatabase, PG_TEST_URL, type TestDatabase } from './pg.js';

/**
 * The SDK versions the end-to-end tests run with: 6.49.0, the main test client (docs/adr/0003), and
 * the newest 7.x under the npm alias openai-latest, so drift between them shows up as a failing test.
 */
export const SDKS = [
  { name: 'openai 6.49.0', Client: OpenAI as typeof OpenAI | typeof OpenAILatest, latest: false },
  { name: 'openai-latest 7.59.0', Client: OpenAILatest as typeof OpenAI | typeof OpenAILatest, latest: true },
] as const;
export type Sdk = (typeof SDKS)[number];
export type AnyOpenAI = OpenAI | OpenAILatest;

/** The engine HTTP tests run on: PostgreSQL when ORGLEDGER_TEST_DATABASE_URL is set, else SQLite. */
export const TEST_ENGINE: 'sqlite' | 'postgres' = PG_TEST_URL ? 'postgres' : 'sqlite';

export interface TestServer {
  app: FastifyInstance;
  store: Store;
  keys: KeyService;
  config: Config;
  dir: string;
  /** http://127.0.0.1:PORT */
  url: string;
  /** The bootstrap admin key of org-default (all scopes). */
  adminKey: string;
  /** An SDK client whose every response is checked against the spec (see contract.ts). */
  client(key?: string): OpenAI;
  /** The same with the newest SDK (openai-latest): for surface 6.49.0 lacks (usage.decisions). */
  latestClient(key?: string): OpenAILatest;
  /** A client of the given SDK version (SDKS). */
  sdkClient(sdk: Sdk, key?: string): AnyOpenAI;
  /** Raw HTTP with the admin key unless another (or null for none) is given. */
  request(
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; contentType?: string; rawBody?: string },
  ): Promise<{ status: number; headers: Headers; body: any }>;
  /** Reads the engine directly, for assertions on what it wrote: one parameterless SELECT on either engine. */
  sql<R = any>(select: string): Promise<R[]>;
  close(): Promise<void>;
}

export async function startServer(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-test-'));
  const pgDatabase: TestDatabase | undefined = TEST_ENGINE === 'postgres' ? await freshTestDatabase() : undefined;
  const engineFlags = pgDatabase ? { databaseUrl: pgDatabase.url, pgConnectWaitSeconds: 5 } : {};
  const config = loadConfig({ env: {}, flags: { dataDir: dir, port: 0, logLevel: 'silent', ...engineFlags, ...overrides } });
  const store = openStore(config);
  await storeReady(store);
  const keys = new KeyService(store, systemClock);
  const bootstrap = await keys.bootstrap(undefined);
  if (!bootstrap) throw new Error('expected a bootstrap key on a fresh store');
  const app = await buildApp(config, { store, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  const adminKey = bootstrap.secret;
  return {
    app,
    store,
    keys,
    config,
    dir,
    url,
    adminKey,
    client: (key = adminKey) => new OpenAI({ adminAPIKey: key, apiKey: 'unused', baseURL: `${url}/v1`, fetch: contractFetch, maxRetries: 0 }),
    latestClient: (key = adminKey) => new OpenAILatest({ adminAPIKey: key, apiKey: 'unused', baseURL: `${url}/v1`, fetch: contractFetch, maxRetries: 0 }),
    sdkClient: (sdk, key = adminKey) => new sdk.Client({ adminAPIKey: key, apiKey: 'unused', baseURL: `${url}/v1`, fetch: contractFetch, maxRetries: 0 }),
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = {};
      const key = opts.key === undefined ? adminKey : opts.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (opts.rawBody !== undefined) body = opts.rawBody;
      else if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
      const res = await contractFetch(`${url}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {}
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async sql(select) {
      if (pgDatabase) return pgDatabase.query(select);
      const db = new Database(join(dir, 'orgledger.sqlite'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare(select).all() as any[];
      } finally {
        db.close();
      }
    },
    async close() {
      await app.close();
      await store.close();
      await pgDatabase?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
