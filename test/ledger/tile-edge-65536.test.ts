/**
 * Tree sizes 65535, 65536 and 65537: the edge of the first level-2 tile (height 8: 256^2 leaves). The
 * tree is built with the append code the engines run (appendHashes, in batches carrying only the
 * frontier, as a commit does), then roots, inclusion and consistency proofs are checked against the
 * independent RFC 6962 arithmetic in helpers.ts. The Go verifier checks the same sizes over HTTP on a
 * real store (go-verifier.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  appendHashes,
  consistencyProof,
  frontierIndexes,
  inclusionProof,
  leafHash,
  rootFromInclusion,
  storedHashIndex,
  treeHash,
  verifyConsistency,
} from '../../src/features/ledger/merkle.js';
import { rfcLeaf, rfcRoot } from './helpers.js';

const N = 65537;
const data = Array.from({ length: N }, (_, i) => Buffer.from(`{"id":"evt_${i}"}`));
const stored = new Map<number, Buffer>();
for (let size = 0; size < N; ) {
  const batch = data.slice(size, size + 1000).map((d) => leafHash(d));
  const frontier = new Map(frontierIndexes(size).map((i) => [i, stored.get(i) as Buffer]));
  for (const h of appendHashes(size, batch, frontier)) stored.set(h.index, h.hash);
  size += batch.length;
}
const get = (i: number) => {
  const h = stored.get(i);
  if (!h) throw new Error(`missing stored hash ${i}`);
  return h;
};
const leaves = data.map(rfcLeaf);

describe('tree sizes at the level-2 tile edge', () => {
  it.each([65535, 65536, 65537])('size %i: root, inclusion and consistency proofs agree with RFC 6962', (size) => {
    const root = rfcRoot(leaves.slice(0, size));
    expect(treeHash(size, get).equals(root)).toBe(true);
    for (const m of [0, 255, 256, 65279, 65280, size - 2, size - 1]) {
      const proof = inclusionProof(m, size, get);
      expect(rootFromInclusion(m, size, leaves[m] as Buffer, proof)?.equals(root)).toBe(true);
      // The proof must not verify another leaf.
      expect(rootFromInclusion(m, size, leaves[(m + 1) % size] as Buffer, proof)?.equals(root) ?? false).toBe(false);
    }
    for (const first of [1, 256, 65280, 65535, size - 1]) {
      if (first > size) continue;
      const proof = consistencyProof(first, size, get);
      expect(verifyConsistency(first, size, rfcRoot(leaves.slice(0, first)), root, proof)).toBe(true);
    }
    // The level-2 tile's only hash (level 16, index 0) exists exactly once the tree holds 65536 leaves.
    if (size >= 65536) expect(get(storedHashIndex(16, 0)).equals(rfcRoot(leaves.slice(0, 65536)))).toBe(true);
  });
});
