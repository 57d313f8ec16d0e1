/** storedHashLevel inverts storedHashIndex's level part (tlog.SplitStoredHashIndex) at every index of a 5000-leaf tree and past 2^40. */
import { describe, expect, it } from 'vitest';
import { storedHashIndex, storedHashLevel } from '../../src/features/ledger/merkle.js';

describe('storedHashLevel', () => {
  it('gives the level of the subtree at each stored index', () => {
    const seen = new Map<number, number>();
    for (let level = 0; level <= 12; level++) for (let n = 0; n * 2 ** level < 5000; n++) seen.set(storedHashIndex(level, n), level);
    const last = storedHashIndex(0, 4096);
    for (let i = 0; i < last; i++) expect(storedHashLevel(i), `index ${i}`).toBe(seen.get(i));
    for (const [level, n] of [
      [0, 2 ** 40 + 5],
      [8, 2 ** 32 + 1],
      [20, 12345],
    ] as const)
      expect(storedHashLevel(storedHashIndex(level, n))).toBe(level);
  });
});
