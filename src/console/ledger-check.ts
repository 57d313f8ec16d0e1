/**
 * An audit event's inclusion in the ledger, checked in the browser with WebCrypto only (docs/ledger.md,
 * "Checking an event in the console"): the leaf is SHA-256(0x00 || RFC 8785 JCS of the event as the
 * API served it), the root is recomputed from the inclusion proof as RFC 9162 section 2.1.3.2 says,
 * and the checkpoint is a C2SP signed note whose Ed25519 signature is checked against the verifier key
 * `<name>+<8 hex key hash>+<base64(0x01 || public key)>`. Nothing here trusts a result the server
 * computed: it only supplies the proof's hashes, the signed note and the key.
 */

const utf8 = new TextEncoder();

/**
 * RFC 8785 canonical JSON: object members sorted by UTF-16 code units (what sort() does on strings),
 * no whitespace, numbers and strings as ECMAScript's JSON.stringify prints them (which is what JCS
 * specifies). The same function the server hashes with (src/lib/canonical-json.ts).
 */
export function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => jcs(v) ?? 'null').join(',')}]`;
  const obj = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(obj).sort()) if (obj[key] !== undefined) members.push(`${JSON.stringify(key)}:${jcs(obj[key])}`);
  return `{${members.join(',')}}`;
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

export const leafHash = (data: string): Promise<Uint8Array> => sha256(LEAF, utf8.encode(data));

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
export const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** RFC 9162 2.1.3.2: the root an inclusion proof gives for leaf `index` of a tree of `size`, or null when the proof has the wrong shape. */
export async function rootFromInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | null> {
  if (!(index >= 0 && index < size)) return null;
  // Plain arithmetic, not bit operators: sizes may pass 2^31.
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(NODE, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await sha256(NODE, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export interface OpenedCheckpoint {
  origin: string;
  treeSize: number;
  rootHash: Uint8Array;
  /** The key name that signed it. */
  signer: string;
}

/** Why a check failed, in words for the panel. */
export class CheckFailure extends Error {}
/** The browser cannot run the check (no Ed25519 in its WebCrypto): neither verified nor failed. */
export class CheckUnsupported extends Error {}

/** Whether this browser's WebCrypto verifies Ed25519 (Chrome/Chromium 137+, Firefox 129+, Safari 17+). */
async function importEd25519(raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  try {
    return await crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
  } catch (err) {
    if ((err as DOMException).name === 'NotSupportedError') throw new CheckUnsupported('This browser cannot verify Ed25519 signatures (WebCrypto).');
    throw new CheckFailure(`the verifier key is not an Ed25519 public key (${(err as Error).message})`);
  }
}

/**
 * Verifies a C2SP signed note against a verifier key and parses it as a tlog checkpoint. Throws
 * CheckFailure with the reason when the key is malformed, no signature line of that key verifies, or
 * the text is not a checkpoint.
 */
export async function openCheckpoint(note: string, verifierKey: string): Promise<OpenedCheckpoint> {
  const [name, hashHex, ...rest] = verifierKey.split('+');
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = fromBase64(rest.join('+'));
  } catch {
    throw new CheckFailure('the verifier key is malformed');
  }
  if (!name || !hashHex || key.length !== 33 || key[0] !== 1) throw new CheckFailure('the verifier key is malformed (not an Ed25519 note key)');
  const pub = key.slice(1);
  const keyHash = (await sha256(utf8.encode(`${name}\n`), Uint8Array.of(1), pub)).subarray(0, 4);
  if (toHex(keyHash) !== hashHex) throw new CheckFailure('the verifier key’s hash does not match its key');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new CheckFailure('the checkpoint is not a signed note (no signature block)');
  const text = note.slice(0, split + 1);
  const cryptoKey = await importEd25519(pub);
  let signed = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    let sig: Uint8Array;
    try {
      sig = fromBase64(m[2] as string);
    } catch {
      continue;
    }
    if (sig.length !== 68 || toHex(sig.subarray(0, 4)) !== hashHex) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, cryptoKey, sig.slice(4), utf8.encode(text))) signed = true;
  }
  if (!signed) throw new CheckFailure(`the checkpoint’s signature does not verify with the verifier key (${name})`);
  const lines = text.split('\n');
  if (lines.length < 4 || !/^\d+$/.test(lines[1] ?? '')) throw new CheckFailure('the signed note is not a tlog checkpoint');
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(lines[2] as string);
  } catch {
    throw new CheckFailure('the checkpoint’s root hash is not base64');
  }
  return { origin: lines[0] as string, treeSize: Number(lines[1]), rootHash, signer: name };
}

export interface InclusionProof {
  leaf_index: number;
  tree_size: number;
  hashes: string[];
}

export interface Verified {
  leafIndex: number;
  treeSize: number;
  root: string;
  signer: string;
}

/**
 * The whole check: the checkpoint's signature and origin, the proof's tree size against it, the
 * event's leaf hash through the proof to the signed root. Resolves when everything holds; throws
 * CheckFailure (or CheckUnsupported) otherwise.
 */
export async function checkInclusion(opts: { event: unknown; proof: InclusionProof; note: string; verifierKey: string; origin: string }): Promise<Verified> {
  const cp = await openCheckpoint(opts.note, opts.verifierKey);
  if (cp.origin !== opts.origin) throw new CheckFailure(`the checkpoint is for ${cp.origin}, not this organization’s audit log (${opts.origin})`);
  if (cp.treeSize !== opts.proof.tree_size)
    throw new CheckFailure(`the proof is for a tree of ${opts.proof.tree_size} leaves, the checkpoint signs ${cp.treeSize}`);
  let path: Uint8Array[];
  try {
    path = opts.proof.hashes.map(fromBase64);
  } catch {
    throw new CheckFailure('the inclusion proof holds a hash that is not base64');
  }
  if (path.some((h) => h.length !== 32)) throw new CheckFailure('the inclusion proof holds a hash that is not 32 bytes');
  const leaf = await leafHash(jcs(opts.event));
  const root = await rootFromInclusion(opts.proof.leaf_index, opts.proof.tree_size, leaf, path);
  if (!root) throw new CheckFailure(`the inclusion proof has the wrong length for leaf ${opts.proof.leaf_index} of ${opts.proof.tree_size}`);
  if (!equal(root, cp.rootHash))
    throw new CheckFailure(
      'the event and its proof do not lead to the signed root: the event differs from what was logged, or the proof is wrong (run orgledger verify)',
    );
  return { leafIndex: opts.proof.leaf_index, treeSize: cp.treeSize, root: toBase64(cp.rootHash), signer: cp.signer };
}
