/**
 * The SQLite store and the demo key file are owner-only: files 0600 (-wal and -shm too, and files
 * that existed with wider modes), a data directory orgledger creates 0700.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServeChild } from '../helpers/cli.js';
import { openTestStore } from '../helpers/store.js';

const root = mkdtempSync(join(tmpdir(), 'orgledger-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;
const open = (path: string) => openTestStore({ databaseUrl: path, sqliteSynchronous: 'FULL', maxBatchJobs: 10 });

describe('file modes', () => {
  it('a new store: data directory 0700, the file and its -wal/-shm 0600', async () => {
    const data = join(root, 'fresh', 'data');
    const path = join(data, 'orgledger.sqlite');
    const store = await open(path);
    try {
      await store.write((tx) => tx.keys.insertOrganization({ id: 'org-modes', name: 'Modes', createdAt: 1 }));
      expect(mode(data)).toBe(0o700);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file), file).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('an existing store with wider modes is tightened to 0600 at open', async () => {
    const path = join(root, 'wide.sqlite');
    await (await open(path)).close();
    writeFileSync(`${path}-wal`, '');
    for (const file of [path, `${path}-wal`]) chmodSync(file, 0o644);
    const store = await open(path);
    try {
      await store.write((tx) => tx.keys.insertOrganization({ id: 'org-wide', name: 'Wide', createdAt: 1 }));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file), file).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('serve --demo makes data/demo-admin-key 0600 even when it existed with a wider mode', async () => {
    const data = join(root, 'demo');
    mkdirSync(data);
    writeFileSync(join(data, 'demo-admin-key'), 'sk-admin-stale-key-that-does-not-exist\n', { mode: 0o644 });
    expect(mode(join(data, 'demo-admin-key'))).toBe(0o644);
    const serve = await startServeChild(['--demo', '--demo-days', '1', '--demo-people', '5', '--data', data]);
    try {
      expect(mode(join(data, 'demo-admin-key'))).toBe(0o600);
    } finally {
      await serve.kill();
    }
  });
});
