/**
 * SQLite WAL checkpoints run on a worker thread (src/store/sqlite/checkpointer.ts): committed pages
 * reach the database file without the writer checkpointing inside COMMIT, and closing the store stops
 * the worker. SQLite only (PostgreSQL has no WAL file to checkpoint).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { SQLITE_UNDER_TEST } from '../helpers/pg.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-checkpointer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open = (path: string, checkpointIntervalMs?: number) =>
  new SqliteStore({
    path,
    synchronous: 'FULL',
    maxJobsPerBatch: 10,
    autoMigrate: true,
    ...(checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs }),
  });

/** Organizations in the main database file alone, as a copy without its -wal sees them. */
function organizationsInMainFile(path: string, name: string): number {
  const copy = join(root, name);
  copyFileSync(path, copy);
  const db = new Database(copy, { readonly: true });
  try {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'organizations'").get()) return 0;
    return (db.prepare('SELECT count(*) AS n FROM organizations').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
}

describe.skipIf(!SQLITE_UNDER_TEST)('SQLite checkpoint worker', () => {
  it('moves committed pages into the database file off the writer, and stops at close', async () => {
    const path = join(root, 'worker.sqlite');
    const store = open(path, 1);
    try {
      expect(store.checkpointer).toBeDefined();
      const stats = store.checkpointer?.stats as { checkpoints: number; failures: number; lastError: string | null };
      for (let i = 0; i < 50; i++) await store.write((tx) => tx.keys.insertOrganization({ id: `org-${i}`, name: `Org ${i}`, createdAt: 1 }));
      // A checkpoint requested after the last commit backfills everything committed before it.
      await until(() => stats.checkpoints > 0 && !store.checkpointer?.busy);
      const before = stats.checkpoints;
      await store.write((tx) => tx.keys.insertOrganization({ id: 'org-last', name: 'Last', createdAt: 1 }));
      await until(() => stats.checkpoints > before && !store.checkpointer?.busy);
      expect(stats.lastError).toBeNull();
      expect(stats.failures).toBe(0);
      expect(stats.checkpoints).toBeGreaterThan(before);
      expect(organizationsInMainFile(path, 'worker-copy.sqlite')).toBe(51);
    } finally {
      await store.close();
    }
    // The worker's connection is closed too: the file reopens and holds every write.
    const again = open(path, 0);
    try {
      expect(again.checkpointer).toBeUndefined();
      expect((await again.keys.listOrganizations()).length).toBeGreaterThanOrEqual(51);
    } finally {
      await again.close();
    }
  });

  it('with the worker off, checkpoints stay inside COMMIT (the main file catches up only at the automatic threshold)', async () => {
    const path = join(root, 'inline.sqlite');
    const store = open(path, 0);
    try {
      for (let i = 0; i < 20; i++) await store.write((tx) => tx.keys.insertOrganization({ id: `org-${i}`, name: `Org ${i}`, createdAt: 1 }));
      // 20 small commits stay far below SQLite's 1000-page automatic checkpoint: the file has none of them.
      expect(organizationsInMainFile(path, 'inline-copy.sqlite')).toBe(0);
    } finally {
      await store.close();
    }
  });
});
