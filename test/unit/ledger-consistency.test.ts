/** The remote auditor's consistency check against the server's proof builder, for every size pair up to 40. */
import { describe, expect, it } from 'vitest';
import { appendHashes, consistencyProof, leafHash, rootFromLeafHashes, treeHash, verifyConsistency } from '../../src/features/ledger/merkle.js';

const leaves = Array.from({ length: 40 }, (_, i) => leafHash(`leaf ${i}`));
const stored = new Map(appendHashes(0, leaves, new Map()).map((h) => [h.index, h.hash]));
const get = (i: number) => stored.get(i) as Buffer;
const root = (n: number) => treeHash(n, get);

describe('verifyConsistency', () => {
  it('accepts every honest proof and rejects a changed hash, a changed root and swapped sizes', () => {
    for (let n = 1; n <= 40; n++) {
      expect(rootFromLeafHashes(leaves.slice(0, n)).equals(root(n))).toBe(true);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, n, get);
        expect(verifyConsistency(m, n, root(m), root(n), proof)).toBe(true);
        if (m === n) continue;
        expect(verifyConsistency(n, m, root(n), root(m), proof)).toBe(false);
        const forked = leafHash(`other ${m}`);
        expect(verifyConsistency(m, n, forked, root(n), proof)).toBe(false);
        if (proof.length > 0) {
          const bad = proof.map((h, i) => (i === proof.length - 1 ? Buffer.from(h.map((b) => b ^ 1)) : h));
          expect(verifyConsistency(m, n, root(m), root(n), bad)).toBe(false);
        }
      }
    }
  });
});
