/**
 * One page of a log's records as `verify` hashes them, packed for a worker thread: every record's
 * bytes in one buffer (transferred, not copied) with its leaf index and byte offsets, and no object
 * per record. Audit: the stored body (its leaf data is auditLeafData of it); usage: the leaf data.
 */
import { isUtf8 } from 'node:buffer';
import type { LeafHasher } from './leaf-hasher.js';
import type { LedgerLeafText } from './store.js';

export interface PackedLeaves {
  count: number;
  /** Leaf index of record k, ascending (two records may claim one leaf). */
  leafIndex: Float64Array;
  /** Record k is bytes[offsets[k], offsets[k + 1]). */
  offsets: Uint32Array;
  bytes: Buffer;
}

/** The leaf hashes of one page: hash k at hashes[32k, 32k + 32); errors names the records whose text is not JSON. */
export interface PageHashes {
  hashes: Buffer;
  errors: { k: number; message: string }[];
}

export function packLeafTexts(rows: LedgerLeafText[]): PackedLeaves {
  const count = rows.length;
  const leafIndex = new Float64Array(count);
  const offsets = new Uint32Array(count + 1);
  let size = 0;
  for (let k = 0; k < count; k++) {
    const row = rows[k] as LedgerLeafText;
    leafIndex[k] = row.leafIndex;
    offsets[k] = size;
    size += Buffer.byteLength(row.text, 'utf8');
  }
  offsets[count] = size;
  const bytes = Buffer.allocUnsafeSlow(size);
  for (let k = 0; k < count; k++) bytes.write((rows[k] as LedgerLeafText).text, offsets[k] as number, 'utf8');
  return { count, leafIndex, offsets, bytes };
}

/**
 * Each record's leaf hash: for the audit log (canonical) leaf(auditLeafData(body)), computed on the
 * bytes when they are valid UTF-8 cut at character boundaries (else from the decoded text, as a
 * store's reader would decode it); for the usage log the hash of the bytes as they are.
 */
export function hashPackedLeaves(hasher: LeafHasher, page: PackedLeaves, canonical: boolean): PageHashes {
  const { count, offsets, bytes } = page;
  const hashes = Buffer.allocUnsafeSlow(count * 32);
  const errors: PageHashes['errors'] = [];
  let onBytes = canonical && isUtf8(bytes);
  for (let k = 0; onBytes && k < count; k++) {
    const first = bytes[offsets[k] as number];
    if (first !== undefined && first >= 0x80 && first < 0xc0 && (offsets[k] as number) < (offsets[k + 1] as number)) onBytes = false;
  }
  for (let k = 0; k < count; k++) {
    const start = offsets[k] as number;
    const end = offsets[k + 1] as number;
    let h: Buffer;
    try {
      if (!canonical) h = hasher.leafBytes(bytes, start, end);
      else if (onBytes) h = hasher.canonicalAuditLeafBytes(bytes, start, end);
      else h = hasher.canonicalAuditLeaf(bytes.toString('utf8', start, end));
    } catch (err) {
      errors.push({ k, message: (err as Error).message });
      hashes.fill(0, k * 32, k * 32 + 32);
      continue;
    }
    // A byte loop: Buffer.copy's checks cost more than copying 32 bytes.
    for (let b = 0; b < 32; b++) hashes[k * 32 + b] = h[b] as number;
  }
  return { hashes, errors };
}
