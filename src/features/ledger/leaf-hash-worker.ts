/** A worker thread of LeafHashPool: hashes the pages it is sent (packed-leaves.ts) and sends the hashes back. */
import { parentPort } from 'node:worker_threads';
import type { HashRequest } from './leaf-hash-pool.js';
import { LeafHasher } from './leaf-hasher.js';
import { hashPackedLeaves, type PackedLeaves } from './packed-leaves.js';

const hasher = new LeafHasher();
const port = parentPort;
if (!port) throw new Error('leaf-hash-worker runs as a worker thread');
port.on('message', (m: HashRequest) => {
  const page: PackedLeaves = { ...m.page, bytes: Buffer.from(m.page.bytes.buffer, m.page.bytes.byteOffset, m.page.bytes.byteLength) };
  const r = hashPackedLeaves(hasher, page, m.canonical);
  port.postMessage({ id: m.id, hashes: r.hashes, errors: r.errors }, [r.hashes.buffer as ArrayBuffer]);
});
