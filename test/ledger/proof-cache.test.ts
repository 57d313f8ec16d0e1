/**
 * Proofs served through the ledger service's cache of stored hashes (StoredHashCache) equal the ones
 * recomputed from the store, cold and warm, for random leaves and tree sizes; a warm proof reads
 * nothing from the store; a small cache evicts the least recently used hashes and still answers right.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  consistencyProof,
  inclusionProof,
  leafHash,
  rootFromInclusion,
  storedHashIndex,
  treeHash,
  verifyConsistency,
  withStoredHashes,
} from '../../src/features/ledger/merkle.js';
import { StoredHashCache } from '../../src/features/ledger/service.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let ids: string[];
let size: number;
const ORG = 'org-default';

beforeAll(async () => {
  server = await startServer();
  ids = [];
  for (let b = 0; b < 3; b++)
    ids.push(
      ...(await ingest(
        server,
        Array.from({ length: 110 }, (_, i) => ({ id: `evt_c${b}_${i}`, type: 'login.succeeded' })),
      )),
    );
  await server.app.services.ledger.checkpointNow();
  size = await server.store.ledger.ledgerLogSize(ORG, 'audit');
});
afterAll(async () => {
  await server?.close();
});

const fromStore = (indexes: number[]) => server.store.ledger.readLedgerHashes(ORG, 'audit', indexes);
const b64 = (hs: Buffer[]) => hs.map((h) => h.toString('base64'));

describe('proofs from the stored-hash cache', () => {
  it('inclusion proofs, cold and warm, equal the ones recomputed from the store and verify against the root', async () => {
    const ledger = server.app.services.ledger;
    let seed = 5;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 40; k++) {
      const id = ids[next(ids.length)] as string;
      const treeSize = k === 0 ? size : 1 + next(size);
      const leafIndex = (await server.store.ledger.ledgerLeafIndex(ORG, 'audit', id)) as number;
      if (leafIndex >= treeSize) continue;
      const expected = b64(await withStoredHashes(fromStore, (get) => inclusionProof(leafIndex, treeSize, get)));
      const cold = await ledger.inclusion(ORG, 'audit', id, treeSize);
      const warm = await ledger.inclusion(ORG, 'audit', id, treeSize);
      expect(cold.hashes).toEqual(expected);
      expect(warm.hashes).toEqual(expected);
      const root = await withStoredHashes(fromStore, (get) => treeHash(treeSize, get));
      const leaf = (await withStoredHashes(fromStore, (get) => get(storedHashIndex(0, leafIndex)))) as Buffer;
      expect(
        rootFromInclusion(
          leafIndex,
          treeSize,
          leaf,
          warm.hashes.map((h) => Buffer.from(h, 'base64')),
        )?.equals(root),
      ).toBe(true);
    }
    expect(ledger.hashCache.size).toBeGreaterThan(0);
  });

  it('consistency proofs, cold and warm, equal the recomputed ones', async () => {
    const ledger = server.app.services.ledger;
    for (const [first, second] of [
      [1, size],
      [7, 300],
      [255, 256],
      [256, size],
      [100, 257],
    ] as const) {
      const expected = b64(await withStoredHashes(fromStore, (get) => consistencyProof(first, second, get)));
      expect((await ledger.consistency(ORG, 'audit', first, second)).hashes).toEqual(expected);
      const warm = await ledger.consistency(ORG, 'audit', first, second);
      expect(warm.hashes).toEqual(expected);
      const r1 = await withStoredHashes(fromStore, (get) => treeHash(first, get));
      const r2 = await withStoredHashes(fromStore, (get) => treeHash(second, get));
      expect(
        verifyConsistency(
          first,
          second,
          r1,
          r2,
          warm.hashes.map((h) => Buffer.from(h, 'base64')),
        ),
      ).toBe(true);
    }
  });

  it('answers warm reads from memory and evicts the least recently used', async () => {
    let fetched: number[] = [];
    const fetch = async (indexes: number[]) => {
      fetched.push(...indexes);
      return fromStore(indexes);
    };
    const cache = new StoredHashCache(8, 64, 0);
    const first = await cache.read(ORG, 'audit', [0, 1, 2, 3], fetch);
    expect(fetched).toEqual([0, 1, 2, 3]);
    fetched = [];
    const again = await cache.read(ORG, 'audit', [3, 2, 1, 0], fetch);
    expect(fetched).toEqual([]);
    for (const i of [0, 1, 2, 3]) expect(again.get(i)?.equals(first.get(i) as Buffer)).toBe(true);
    // 0 was used last above (order 3, 2, 1, 0): filling past 8 evicts 3 first, then 2 (a cache keeping every level).
    await cache.read(ORG, 'audit', [10, 11, 12, 13, 14, 15], fetch);
    expect(cache.size).toBe(8);
    fetched = [];
    const mixed = await cache.read(ORG, 'audit', [0, 1, 3], fetch);
    expect(fetched).toEqual([3]);
    expect(mixed.get(3)?.equals(first.get(3) as Buffer)).toBe(true);
    // leaf 0's stored hash is its leaf hash
    const leaves = await server.store.ledger.ledgerLeaves(ORG, 'audit', 0, 1);
    expect(mixed.get(0)?.equals(leafHash((leaves[0] as { data: string }).data))).toBe(true);
  });

  it('keeps only hashes of subtrees of 256 leaves or more by default', async () => {
    const cache = new StoredHashCache();
    const upper = storedHashIndex(8, 0);
    await cache.read(ORG, 'audit', [0, 1, storedHashIndex(7, 0), upper], fromStore);
    expect(cache.size).toBe(1);
    let fetched: number[] = [];
    await cache.read(ORG, 'audit', [0, upper], async (indexes) => {
      fetched = indexes;
      return fromStore(indexes);
    });
    expect(fetched).toEqual([0]);
  });
});
