/**
 * RFC 6962 / RFC 9162 Merkle tree arithmetic over stored hashes, in the layout of Go's
 * golang.org/x/mod/sumdb/tlog: every full subtree of 2^level leaves starting at leaf n * 2^level has
 * one stored hash at storedHashIndex(level, n), written once when its last leaf is appended. Roots,
 * proofs and tiles then read O(log n) stored hashes and never rehash leaves.
 */
import { createHash, hash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0]);

export function leafHash(data: Buffer | string): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, typeof data === 'string' ? Buffer.from(data, 'utf8') : data]), 'buffer') as unknown as Buffer;
}

/** 0x01 || left || right, rewritten in place for each node (one-shot hash, no per-node hash object). */
const pair = Buffer.alloc(65);
pair[0] = 1;

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  // A byte loop: Buffer.copy's checks cost more than copying 32 bytes.
  for (let k = 0; k < 32; k++) {
    pair[1 + k] = left[k] as number;
    pair[33 + k] = right[k] as number;
  }
  return hash('sha256', pair, 'buffer') as unknown as Buffer;
}

/** tlog.StoredHashIndex: where the hash of subtree (level, n) sits in the append-only hash sequence. */
export function storedHashIndex(level: number, n: number): number {
  let m = n;
  for (let l = level; l > 0; l--) m = 2 * m + 1;
  let i = 0;
  while (m > 0) {
    i += m;
    m = Math.floor(m / 2);
  }
  return i + level;
}

/** tlog.SplitStoredHashIndex, the level part: the level of the subtree whose hash sits at stored index `index`. */
export function storedHashLevel(index: number): number {
  // Leaf n's hash sits at 2n - popcount(n), followed by the subtrees appending leaf n completed.
  const at = (n: number) => storedHashIndex(0, n);
  let n = Math.floor(index / 2);
  while (n > 0 && at(n) > index) n--;
  while (at(n + 1) <= index) n++;
  return index - at(n);
}

/** The full subtrees (level, n) whose hashes make up a tree of `size` leaves, left to right. */
export function compactRange(size: number): { level: number; n: number }[] {
  const out: { level: number; n: number }[] = [];
  let start = 0;
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level;
    if (size - start >= width) {
      out.push({ level, n: start / width });
      start += width;
    }
  }
  return out;
}

export interface StoredHash {
  index: number;
  hash: Buffer;
}

/**
 * The stored hashes that appending `leafHashes` to a tree of `size` leaves writes. `frontier` holds the
 * hashes of compactRange(size) (keyed by stored index); it is all an append ever needs from before.
 */
export function appendHashes(size: number, leafHashes: Buffer[], frontier: Map<number, Buffer>): StoredHash[] {
  // pending[level]: the hash of the full subtree at that level still waiting for its right sibling
  // (the compact range, as a binary counter over the tree size).
  const pending: (Buffer | undefined)[] = [];
  for (const { level, n } of compactRange(size)) pending[level] = frontier.get(storedHashIndex(level, n));
  const out: StoredHash[] = [];
  for (let i = 0; i < leafHashes.length; i++) {
    const n = size + i;
    let h = leafHashes[i] as Buffer;
    // The hashes appending leaf n writes sit at consecutive stored indexes: its own, then each subtree it completes.
    let index = storedHashIndex(0, n);
    out.push({ index, hash: h });
    // Each trailing one bit of n completes a subtree one level up: left sibling + what we just made.
    let level = 0;
    for (let m = n; m % 2 === 1; m = (m - 1) / 2, level++) {
      const left = pending[level];
      if (!left) throw new Error(`ledger: missing stored hash for level ${level} left of leaf ${n}`);
      h = nodeHash(left, h);
      out.push({ index: ++index, hash: h });
    }
    pending[level] = h;
  }
  return out;
}

export const frontierIndexes = (size: number): number[] => compactRange(size).map((s) => storedHashIndex(s.level, s.n));

/** Reads stored hashes by index; the proof functions below run it twice (collect, then compute). */
export type HashGetter = (index: number) => Buffer;

const largestPow2Below = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** MTH(D[lo:hi]): one stored hash for an aligned full subtree, else the RFC 6962 split. */
export function subtreeHash(lo: number, hi: number, get: HashGetter): Buffer {
  const width = hi - lo;
  if (width > 0 && (width & (width - 1)) === 0 && lo % width === 0) return get(storedHashIndex(Math.log2(width), lo / width));
  const k = largestPow2Below(width);
  return nodeHash(subtreeHash(lo, lo + k, get), subtreeHash(lo + k, hi, get));
}

export const treeHash = (size: number, get: HashGetter): Buffer => (size === 0 ? emptyRoot() : subtreeHash(0, size, get));

export const emptyRoot = (): Buffer => createHash('sha256').digest();

/** RFC 9162 inclusion proof of leaf m in the tree of `size` leaves. */
export function inclusionProof(m: number, size: number, get: HashGetter): Buffer[] {
  const path = (lo: number, hi: number): Buffer[] => {
    if (hi - lo === 1) return [];
    const k = largestPow2Below(hi - lo);
    if (m < lo + k) return [...path(lo, lo + k), subtreeHash(lo + k, hi, get)];
    return [...path(lo + k, hi), subtreeHash(lo, lo + k, get)];
  };
  return path(0, size);
}

/** RFC 9162 consistency proof between the trees of `first` and `second` leaves. */
export function consistencyProof(first: number, second: number, get: HashGetter): Buffer[] {
  if (first === 0 || first === second) return [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): Buffer[] => {
    const n = hi - lo;
    if (m === n) return whole ? [] : [subtreeHash(lo, hi, get)];
    const k = largestPow2Below(n);
    if (m <= k) return [...sub(m, lo, lo + k, whole), subtreeHash(lo + k, hi, get)];
    return [...sub(m - k, lo + k, hi, false), subtreeHash(lo, lo + k, get)];
  };
  return sub(first, 0, second, true);
}

/**
 * Runs `compute` against stored hashes fetched in one round trip: a first dry run records which
 * indexes it reads (the algorithms' paths do not depend on hash values), then `fetch` loads them.
 */
export async function withStoredHashes<T>(fetch: (indexes: number[]) => Promise<Map<number, Buffer>>, compute: (get: HashGetter) => T): Promise<T> {
  const wanted = new Set<number>();
  const dummy = Buffer.alloc(HASH_SIZE);
  compute((i) => {
    wanted.add(i);
    return dummy;
  });
  const found = await fetch([...wanted]);
  return compute((i) => {
    const h = found.get(i);
    if (!h) throw new Error(`ledger: stored hash ${i} is missing`);
    return h;
  });
}

/** Verifies an inclusion proof (RFC 9162 2.1.3.2); used by tests and the remote auditor. */
export function rootFromInclusion(m: number, size: number, leaf: Buffer, proof: Buffer[]): Buffer | null {
  if (m >= size) return null;
  let fn = m;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** Verifies an RFC 9162 (2.1.4.2) consistency proof between two roots; used by the remote auditor. */
export function verifyConsistency(first: number, second: number, firstRoot: Buffer, secondRoot: Buffer, proof: Buffer[]): boolean {
  if (first > second) return false;
  if (first === second) return proof.length === 0 && firstRoot.equals(secondRoot);
  if (first === 0) return proof.length === 0;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Buffer;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(firstRoot) && sr.equals(secondRoot);
}

/** The root of a tree rebuilt from its leaf hashes alone (the auditor's `--full`). */
export function rootFromLeafHashes(leafHashes: Buffer[]): Buffer {
  const stored = new Map<number, Buffer>();
  for (const h of appendHashes(0, leafHashes, new Map())) stored.set(h.index, h.hash);
  return treeHash(leafHashes.length, (i) => stored.get(i) as Buffer);
}
