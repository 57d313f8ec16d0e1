/**
 * The engines the store contract suite runs on: SQLite always, PostgreSQL when
 * ORGLEDGER_TEST_DATABASE_URL is set (see helpers/pg.ts). Each open() gives a fresh, empty store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/config.js';
import { openStore, storeReady } from '../../src/store/open.js';
import type { EngineName, Store } from '../../src/store/store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL, SQLITE_UNDER_TEST } from '../helpers/pg.js';

export interface OpenedStore {
  store: Store;
  /** Another store on the same database, as a second orgledger process would open it; closed by close(). */
  another(): Promise<Store>;
  /** Runs SQL on the store's database beside the store (for what lies under the contract: migrations). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export interface EngineUnderTest {
  name: EngineName;
  /** Why the engine is skipped, when it is. */
  skip: string | null;
  open(): Promise<OpenedStore>;
}

export const engines: EngineUnderTest[] = [
  {
    name: 'sqlite',
    skip: SQLITE_UNDER_TEST ? null : 'SQLite runs in the http project (ORGLEDGER_TEST_ENGINE=postgres here)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'orgledger-contract-'));
      const open = () => openStore(loadConfig({ env: {}, flags: { databaseUrl: join(dir, 'store.sqlite'), sqliteSynchronous: 'NORMAL' } }));
      const store = open();
      const others: Store[] = [];
      return {
        store,
        async another() {
          const other = open();
          others.push(other);
          return other;
        },
        async sql(text) {
          const db = new Database(join(dir, 'store.sqlite'));
          try {
            db.pragma('busy_timeout = 5000');
            const statements = text.split(';').filter((t) => t.trim() !== '');
            const last = statements.pop() as string;
            for (const t of statements) db.exec(t);
            const stmt = db.prepare(last);
            if (stmt.reader) return stmt.all() as Record<string, unknown>[];
            stmt.run();
            return [];
          } finally {
            db.close();
          }
        },
        async close() {
          for (const other of others) await other.close();
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: PG_TEST_URL ? null : PG_SKIP_MESSAGE,
    async open() {
      const db = await freshTestDatabase();
      const open = async () => {
        const store = openStore(loadConfig({ env: {}, flags: { databaseUrl: db.url, pgPoolSize: 4, pgConnectWaitSeconds: 5 } }));
        await storeReady(store);
        return store;
      };
      const store = await open();
      const others: Store[] = [];
      return {
        store,
        async another() {
          const other = await open();
          others.push(other);
          return other;
        },
        sql: (text) => db.query(text),
        async close() {
          for (const other of others) await other.close();
          await store.close();
          await db.drop();
        },
      };
    },
  },
];
