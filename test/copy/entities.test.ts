/**
 * The copy carries every table and column of both engines' schemas: a migration adding a table or a
 * column fails here until src/store/copy.ts knows it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { COPY_ENTITIES } from '../../src/store/copy.js';
import { openStore, storeReady } from '../../src/store/open.js';
import { migrateSqlite } from '../../src/store/sqlite/sqlite-store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL } from '../helpers/pg.js';

/** Tables that are not data: the migration ledger, and PostgreSQL's id tables the copy derives. */
// sync_locks: a running process's lease, meaningless in another store (a copied one would only block syncs there).
const NOT_COPIED = new Set(['schema_migrations', 'audit_event_ids', 'usage_record_ids', 'sync_locks']);

const expected = Object.fromEntries(COPY_ENTITIES.map((e) => [e.table, [...e.columns].sort()]));

describe('copy entities', () => {
  it('cover every SQLite table and column, keys first in each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgledger-copy-schema-'));
    const db = new Database(join(dir, 's.sqlite'));
    try {
      migrateSqlite(db);
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
      const actual = Object.fromEntries(
        tables.filter((t) => !NOT_COPIED.has(t)).map((t) => [t, (db.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name).sort()]),
      );
      expect(actual).toEqual(expected);
      for (const e of COPY_ENTITIES) {
        const pk = (db.prepare(`PRAGMA table_info(${e.table})`).all() as { name: string; pk: number }[])
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => c.name);
        // The copy's key is the primary key (audit_events: its unique list index, PostgreSQL's primary key).
        if (e.table !== 'audit_events') expect(e.key, e.table).toEqual(pk);
      }
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!PG_TEST_URL)('cover every PostgreSQL table and column (partitions aside)', async () => {
    const db = await freshTestDatabase();
    const store = openStore(loadConfig({ env: {}, flags: { databaseUrl: db.url, pgPoolSize: 2, pgConnectWaitSeconds: 5 } }));
    try {
      await storeReady(store);
      const rows = await db.query<{ t: string; c: string }>(
        `SELECT c.relname AS t, a.attname AS c FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`,
        [db.schema],
      );
      const actual: Record<string, string[]> = {};
      for (const r of rows) {
        if (NOT_COPIED.has(r.t)) continue;
        actual[r.t] = [...(actual[r.t] ?? []), r.c];
      }
      for (const cols of Object.values(actual)) cols.sort();
      expect(actual).toEqual(expected);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  if (!PG_TEST_URL) it.skip(PG_SKIP_MESSAGE, () => undefined);
});
