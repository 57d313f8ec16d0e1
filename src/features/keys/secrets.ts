import { createHash } from 'node:crypto';
import { randomToken } from '../../lib/ids.js';

export const SECRET_PREFIX = 'sk-admin-';

/** Only this hash of a secret is stored. sha256 suffices: secrets are 48 random characters, not passwords. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newSecret(): string {
  return SECRET_PREFIX + randomToken(48);
}

/** `sk-admin...xyz`, the shape the spec's examples show. */
export function redact(secret: string): string {
  return `sk-admin...${secret.slice(-3)}`;
}
