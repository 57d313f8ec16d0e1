/**
 * The ledger's signing key lives outside the database (a stolen or rewritten database cannot forge
 * checkpoints): a PKCS#8 PEM file, mode 0600, generated on first start. Processes sharing one
 * PostgreSQL store must be given the same file (ORGLEDGER_LEDGER_KEY_FILE).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function loadOrCreateKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // wx: a process starting at the same moment either wins or reads the winner's key.
    writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
    return pem;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8');
    throw err;
  }
}
