/**
 * A SQLite reader worker (src/store/sqlite/reader-worker.ts) whose usage and costs reads stop at a
 * gate before they run: the worker thread blocks in Atomics.wait exactly as it would inside a long
 * native query (no JavaScript runs, no message is answered). workerData.gate is an Int32Array's
 * SharedArrayBuffer: [0] is 1 while the gate is open, [1] counts the reads that reached it.
 */
import { workerData } from 'node:worker_threads';
import { serveReads } from '../../src/store/sqlite/reader-worker.js';

const gate = new Int32Array(workerData.gate as SharedArrayBuffer);

serveReads((request) => {
  if (request.part !== 'usage') return;
  Atomics.add(gate, 1, 1);
  Atomics.notify(gate, 1);
  while (Atomics.load(gate, 0) === 0) Atomics.wait(gate, 0, 0);
});
