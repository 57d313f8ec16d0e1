/**
 * Migration 9 on a store written by version 8 (a usage record stored at version 5, its ledger leaf
 * made by migration 6's backfill, then migrations 7-8): the record reads the same afterwards with no
 * provider, a `providers` filter leaves it out, a new record's provider is stored and filtered on,
 * and the ledger still verifies (old leaf unchanged, new leaf with its provider). Both engines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/features/ledger/verify.js';
import type { UsageGroupRow } from '../../src/features/usage/types.js';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import type { Store } from '../../src/store/store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL } from '../helpers/pg.js';
import { openTestStore } from '../helpers/store.js';
import { DAY, T0, usageRecord } from './usage-fixtures.js';

const BEFORE_LEDGER = (v: number) => v <= 5;
const LEDGER_TO_8 = (v: number) => v >= 6 && v <= 8;
const ORG = "INSERT INTO organizations (id, name, created_at) VALUES ('org_m', 'M', 0)";
const OLD_RECORD = `INSERT INTO usage_records (org_id, kind, created_at, id, project_id, model, input_tokens, output_tokens, num_model_requests)
   VALUES ('org_m', 'completions', ${T0 + 10}, 'old_1', 'proj_a', 'gpt-4o', 100, 10, 1)`;

async function check(store: Store, providerOf: (id: string) => Promise<unknown>): Promise<void> {
  const raw = (providers?: string[]): Promise<UsageGroupRow[]> =>
    store.usage.queryUsage({
      orgId: 'org_m',
      kind: 'completions',
      source: 'raw',
      from: T0,
      to: T0 + DAY,
      origin: T0,
      width: DAY,
      groupBy: ['project_id'],
      filters: {},
      ...(providers ? { providers } : {}),
    });
  const old = { bucketStart: T0, dims: { project_id: 'proj_a' }, measures: { input_tokens: 100, output_tokens: 10, num_model_requests: 1 } };
  expect(await raw()).toEqual([old]);
  expect(await raw(['openai'])).toEqual([]);
  expect(await providerOf('old_1')).toBeNull();

  const fresh = {
    ...usageRecord('new_1', T0 + 20, { project_id: 'proj_b', model: 'gpt-4o' }, { input_tokens: 7, output_tokens: 1, num_model_requests: 1 }),
    provider: 'openai',
  };
  await store.write((tx) => tx.usage.insertUsage({ orgId: 'org_m', kind: 'completions', records: [fresh] }));
  expect(await providerOf('new_1')).toBe('openai');
  const added = { bucketStart: T0, dims: { project_id: 'proj_b' }, measures: { input_tokens: 7, output_tokens: 1, num_model_requests: 1 } };
  expect(await raw(['openai', 'anthropic'])).toEqual([added]);
  expect(await raw()).toEqual([old, added]);
  const verified = await verifyLedger(store.ledger, null);
  expect(verified.problems).toEqual([]);
  expect(verified.leaves).toBe(2);
}

describe('migration 9 on a store written by version 8', () => {
  it('sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgledger-m9-'));
    const path = join(dir, 's.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const apply = (m: (typeof sqliteMigrations)[number]) => {
      db.exec(m.sql);
      m.run?.(db);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
    };
    sqliteMigrations.filter((m) => BEFORE_LEDGER(m.version)).forEach(apply);
    db.exec(ORG);
    db.exec(OLD_RECORD);
    sqliteMigrations.filter((m) => LEDGER_TO_8(m.version)).forEach(apply);
    db.close();
    const store = await openTestStore({ databaseUrl: path, sqliteSynchronous: 'NORMAL', maxBatchJobs: 100 });
    const providerOf = async (id: string) => {
      const read = new Database(path, { readonly: true });
      try {
        return (read.prepare('SELECT provider FROM usage_records WHERE id = ?').get(id) as { provider: unknown }).provider;
      } finally {
        read.close();
      }
    };
    try {
      await check(store, providerOf);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!PG_TEST_URL)('postgres', async () => {
    const db = await freshTestDatabase();
    await db.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const client = await pool.connect();
    try {
      const apply = async (m: (typeof postgresMigrations)[number]) => {
        await client.query(m.sql);
        await m.run?.(client);
        await client.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
      };
      for (const m of postgresMigrations.filter((m) => BEFORE_LEDGER(m.version))) await apply(m);
      await client.query(ORG);
      await client.query(OLD_RECORD);
      await client.query(`INSERT INTO usage_record_ids (org_id, kind, id, created_at) VALUES ('org_m', 'completions', 'old_1', ${T0 + 10})`);
      for (const m of postgresMigrations.filter((m) => LEDGER_TO_8(m.version))) await apply(m);
    } finally {
      client.release();
      await pool.end();
    }
    const store = await openTestStore({ databaseUrl: db.url, pgPoolSize: 2, maxBatchJobs: 100 });
    const providerOf = async (id: string) =>
      ((await db.query(`SELECT provider FROM usage_records WHERE id = '${id}'`)) as { provider: unknown }[])[0]?.provider;
    try {
      await check(store, providerOf);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  if (!PG_TEST_URL) it.skip(PG_SKIP_MESSAGE, () => undefined);
});
