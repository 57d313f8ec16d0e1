/**
 * Migration 4 on a store written before it (migrations 1-3 only, rows as those versions wrote them):
 * its usage and costs read the same afterwards, count as `unlabeled` when grouped by api_source and
 * as user null when costs are grouped by user, and new writes land next to them. Both engines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CostGroupRow } from '../../src/features/costs/types.js';
import type { UsageGroupRow } from '../../src/features/usage/types.js';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import type { Store } from '../../src/store/store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL } from '../helpers/pg.js';
import { openTestStore } from '../helpers/store.js';
import { DAY, T0, usageRecord } from './usage-fixtures.js';

const V3 = (v: number) => v <= 3;
/** The dimension columns each cube keeps of that record (cube 0 all, 1 project/model/batch, 2 project, 3 project/model). */
const dims = (cube: number) => `'proj_a', '${cube === 0 ? 'user_1' : ''}', '', '${cube === 2 ? '' : 'gpt-4o'}', ${cube < 2 ? 0 : -1}, '', '', '', '', ''`;
/** What a version-3 store holds for one completions record of 100 input tokens priced 500 nano-USD. */
const OLD_ROWS = [
  `INSERT INTO usage_records (org_id, kind, created_at, id, project_id, user_id, model, batch, input_tokens, num_model_requests)
   VALUES ('org_m', 'completions', ${T0 + 10}, 'old_1', 'proj_a', 'user_1', 'gpt-4o', 0, 100, 1)`,
  ...[3600, 86400].flatMap((grain) =>
    [0, 1, 2, 3].map(
      (cube) => `INSERT INTO usage_rollups (org_id, kind, grain, cube, bucket, project_id, user_id, api_key_id, model, batch, service_tier, size, source,
        vector_store_id, context_level, input_tokens, num_model_requests, latest_at) VALUES ('org_m', 'completions', ${grain}, ${cube}, ${T0}, ${dims(cube)}, 100, 1, ${T0 + 10})`,
    ),
  ),
  ...[0, 1, 2].map(
    (cube) => `INSERT INTO cost_rollups (org_id, grain, cube, bucket, line_item, project_id, api_key_id, quantity_unit, price_id, amount_nano, quantity)
      VALUES ('org_m', 86400, ${cube}, ${T0}, 'gpt-4o, input_tokens', '${cube < 2 ? 'proj_a' : ''}', '', 'tokens', '${cube === 0 ? 'p1' : ''}', 500, 100)`,
  ),
];

async function check(store: Store): Promise<void> {
  const usage = (source: 'raw' | '1h' | '1d', groupBy: ('api_source' | 'user_id')[]): Promise<UsageGroupRow[]> =>
    store.usage.queryUsage({ orgId: 'org_m', kind: 'completions', source, from: T0, to: T0 + DAY, origin: T0, width: DAY, groupBy, filters: {} });
  for (const source of ['raw', '1h', '1d'] as const) {
    expect(await usage(source, ['api_source']), source).toEqual([
      { bucketStart: T0, dims: { api_source: 'unlabeled' }, measures: { input_tokens: 100, num_model_requests: 1 } },
    ]);
  }
  // A new record of the Agents API lands beside the old ones.
  const fresh = usageRecord(
    'new_1',
    T0 + 20,
    { project_id: 'proj_a', user_id: 'user_2', model: 'gpt-4o', api_source: 'agents_api' },
    { input_tokens: 7, num_model_requests: 1 },
    [{ lineItem: 'gpt-4o, input_tokens', amountNano: 35, quantity: 7, quantityUnit: 'tokens', priceId: 'p1' }],
  );
  await store.write((tx) => tx.usage.insertUsage({ orgId: 'org_m', kind: 'completions', records: [fresh] }));
  for (const source of ['raw', '1h', '1d'] as const) {
    expect(await usage(source, ['api_source', 'user_id']), source).toEqual([
      { bucketStart: T0, dims: { api_source: 'agents_api', user_id: 'user_2' }, measures: { input_tokens: 7, num_model_requests: 1 } },
      { bucketStart: T0, dims: { api_source: 'unlabeled', user_id: 'user_1' }, measures: { input_tokens: 100, num_model_requests: 1 } },
    ]);
  }
  const costs = async (groupBy: ('user_id' | 'api_source')[]): Promise<CostGroupRow[]> =>
    (await store.costs.queryCosts({ orgId: 'org_m', source: '1d', from: T0, to: T0 + DAY, origin: T0, width: DAY, groupBy, filters: {} })).sort((a, b) =>
      String(a.userId ?? a.apiSource).localeCompare(String(b.userId ?? b.apiSource)),
    );
  const base = { bucketStart: T0, quantityUnit: 'tokens' };
  expect(await costs(['user_id'])).toEqual([
    { ...base, userId: null, amountNano: 500, quantity: 100 },
    { ...base, userId: 'user_2', amountNano: 35, quantity: 7 },
  ]);
  expect(await costs(['api_source'])).toEqual([
    { ...base, apiSource: 'agents_api', amountNano: 35, quantity: 7 },
    { ...base, apiSource: 'unlabeled', amountNano: 500, quantity: 100 },
  ]);
}

describe('migration 4 on a store written before it', () => {
  it('sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgledger-m4-'));
    const path = join(dir, 's.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of sqliteMigrations.filter((m) => V3(m.version))) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
    }
    for (const sql of OLD_ROWS) db.exec(sql);
    db.close();
    const store = await openTestStore({ databaseUrl: path, sqliteSynchronous: 'NORMAL', maxBatchJobs: 100 });
    try {
      await check(store);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!PG_TEST_URL)('postgres', async () => {
    const db = await freshTestDatabase();
    await db.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    for (const m of postgresMigrations.filter((m) => V3(m.version))) {
      await db.query(m.sql);
      await db.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
    }
    for (const sql of OLD_ROWS) await db.query(sql);
    // PostgreSQL keeps an id row per usage record (migration 2).
    await db.query(`INSERT INTO usage_record_ids (org_id, kind, id, created_at) VALUES ('org_m', 'completions', 'old_1', ${T0 + 10})`);
    const store = await openTestStore({ databaseUrl: db.url, pgPoolSize: 2, maxBatchJobs: 100 });
    try {
      await check(store);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  if (!PG_TEST_URL) it.skip(PG_SKIP_MESSAGE, () => undefined);
});
