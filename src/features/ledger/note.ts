/**
 * C2SP signed notes and tlog checkpoints with Ed25519, byte for byte what golang.org/x/mod/sumdb/note
 * signs and verifies: the verifier key is `<name>+<hex key hash>+<base64(0x01 || public key)>`, the key
 * hash the first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), and each signature line
 * `— <name> <base64(key hash || signature)>` after a blank line.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

const ALG_ED25519 = 1;

export interface NoteSigner {
  name: string;
  verifierKey: string;
  sign(text: string): string;
}

function keyHash(name: string, publicKey: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from(`${name}\n`))
    .update(Buffer.from([ALG_ED25519]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

const rawPublicKey = (key: KeyObject): Buffer => (createPublicKey(key).export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32);

/** A signer for the key in `pem` (PKCS#8 Ed25519) under the key name `name`. */
export function noteSigner(name: string, pem: string): NoteSigner {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`ledger key: expected an Ed25519 key, got ${privateKey.asymmetricKeyType}`);
  const pub = rawPublicKey(privateKey);
  const hash = keyHash(name, pub);
  return {
    name,
    verifierKey: `${name}+${hash.toString('hex')}+${Buffer.concat([Buffer.from([ALG_ED25519]), pub]).toString('base64')}`,
    sign(text: string): string {
      const sig = sign(null, Buffer.from(text), privateKey);
      return `${text}\n\u2014 ${name} ${Buffer.concat([hash, sig]).toString('base64')}\n`;
    },
  };
}

export interface Checkpoint {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
}

export const checkpointText = (c: Checkpoint): string => `${c.origin}\n${c.treeSize}\n${c.rootHash.toString('base64')}\n`;

/** Verifies a signed note against a verifier key and returns its text; throws with the reason when it does not verify. */
export function openNote(note: string, verifierKey: string): string {
  // The base64 key may itself hold '+': only the first two separate fields.
  const [name, hashHex, ...rest] = verifierKey.split('+');
  const keyB64 = rest.join('+');
  const key = Buffer.from(keyB64 ?? '', 'base64');
  if (!name || !hashHex || key.length !== 33 || key[0] !== ALG_ED25519) throw new Error('malformed verifier key');
  const pub = key.subarray(1);
  if (keyHash(name, pub).toString('hex') !== hashHex) throw new Error('verifier key hash does not match its key');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('malformed note: no signature block');
  const text = note.slice(0, split + 1);
  const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), pub]), format: 'der', type: 'spki' });
  let ok = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const sig = Buffer.from(m[2] as string, 'base64');
    if (sig.subarray(0, 4).toString('hex') === hashHex && verify(null, Buffer.from(text), spki, sig.subarray(4))) ok = true;
  }
  if (!ok) throw new Error(`no valid signature by ${name}`);
  return text;
}

/** Parses and verifies a signed checkpoint against a verifier key; throws with the reason when it does not verify. */
export function openCheckpoint(note: string, verifierKey: string): Checkpoint {
  const lines = openNote(note, verifierKey).split('\n');
  const treeSize = Number(lines[1]);
  if (lines.length < 4 || !/^\d+$/.test(lines[1] ?? '') || !Number.isSafeInteger(treeSize)) throw new Error('malformed checkpoint');
  return { origin: lines[0] as string, treeSize, rootHash: Buffer.from(lines[2] as string, 'base64') };
}
