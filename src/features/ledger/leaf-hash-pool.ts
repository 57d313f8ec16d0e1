/**
 * Leaf hashing for `verify` on other cores: pages of records (packed-leaves.ts) go to worker threads
 * in turn, their bytes transferred, and come back as leaf hashes, while the calling thread reads the
 * next page and walks the tree. With no worker (one core, a small log) pages are hashed in place.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker, workerModule } from '../../lib/start-worker.js';
import { LeafHasher } from './leaf-hasher.js';
import { hashPackedLeaves, type PackedLeaves, type PageHashes } from './packed-leaves.js';

export interface HashRequest {
  id: number;
  canonical: boolean;
  page: PackedLeaves;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (r: PageHashes) => void; reject: (err: unknown) => void }>;
}

export class LeafHashPool {
  private readonly slots: Slot[] = [];
  private readonly hasher = new LeafHasher();
  private next = 0;
  private nextId = 1;

  constructor(workers: number) {
    for (let w = 0; w < workers; w++) this.slots.push(this.spawn());
  }

  /** The leaf hashes of one page (canonical: audit bodies; else leaf data as is). The page's bytes move to the worker. */
  hash(page: PackedLeaves, canonical: boolean): Promise<PageHashes> {
    if (this.slots.length === 0) return Promise.resolve(hashPackedLeaves(this.hasher, page, canonical));
    const slot = this.slots[this.next++ % this.slots.length] as Slot;
    const id = this.nextId++;
    const { bytes } = page;
    // Transfer the bytes when the buffer is theirs alone (a Buffer may be a view into a shared pool).
    const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, canonical, page } satisfies HashRequest, own ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    this.slots.length = 0;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startWorker(workerModule('leaf-hash-worker', import.meta.url), null), pending: new Map() };
    slot.worker.on('message', (m: { id: number; hashes: Uint8Array; errors: PageHashes['errors'] }) => {
      const p = slot.pending.get(m.id);
      slot.pending.delete(m.id);
      p?.resolve({ hashes: Buffer.from(m.hashes.buffer, m.hashes.byteOffset, m.hashes.byteLength), errors: m.errors });
    });
    const fail = (err: unknown) => {
      for (const p of slot.pending.values()) p.reject(err);
      slot.pending.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`ledger: a leaf hashing worker exited (code ${code})`)));
    return slot;
  }
}
