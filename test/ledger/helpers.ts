/** Independent RFC 6962 arithmetic for the ledger tests: built from leaf data, not from stored hashes. */
import { createHash } from 'node:crypto';
import type { TestServer } from '../helpers/server.js';

export const sha = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
export const rfcLeaf = (data: Buffer) => sha(Buffer.from([0]), data);
export function rfcRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return leaves[0] as Buffer;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([1]), rfcRoot(leaves.slice(0, k)), rfcRoot(leaves.slice(k)));
}

/** GET with the admin key, keeping the body's bytes. */
export async function getBytes(server: TestServer, path: string): Promise<{ status: number; bytes: Buffer; type: string | null }> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${server.adminKey}` } });
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') };
}

/** Splits an entry bundle into its leaves (big-endian uint16 length prefixes). */
export function splitBundle(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; ) {
    const len = bytes.readUInt16BE(i);
    out.push(bytes.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

/** Runs a write behind orgledger's back (the tampering under test), on either engine. */
export async function tamper(server: TestServer, sql: string): Promise<void> {
  if (server.store.engine === 'postgres') {
    await server.sql(sql);
    return;
  }
  const { default: Database } = await import('better-sqlite3');
  const { join } = await import('node:path');
  const db = new Database(join(server.dir, 'orgledger.sqlite'));
  try {
    db.pragma('busy_timeout = 10000');
    db.exec(sql);
  } finally {
    db.close();
  }
}
