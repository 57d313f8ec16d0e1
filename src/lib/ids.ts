import { randomBytes } from 'node:crypto';

/** Crockford base32, lower-cased: sortable as plain strings. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number, length: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

let lastMs = 0;
let lastRandom = '';

/**
 * A ULID-style suffix: 10 characters of millisecond time then 16 random characters, so ids made later
 * sort later. Within one millisecond the random part is incremented, keeping ids monotonic per process.
 */
export function timeSortableSuffix(nowMs: number = Date.now()): string {
  if (nowMs <= lastMs && lastRandom) {
    lastRandom = incrementBase32(lastRandom);
    return encodeTime(lastMs, 10) + lastRandom;
  }
  lastMs = nowMs;
  lastRandom = encodeRandom(16);
  return encodeTime(nowMs, 10) + lastRandom;
}

function incrementBase32(value: string): string {
  const chars = value.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const index = ALPHABET.indexOf(chars[i] as string);
    if (index < 31) {
      chars[i] = ALPHABET[index + 1] as string;
      return chars.join('');
    }
    chars[i] = ALPHABET[0] as string;
  }
  return encodeRandom(value.length);
}

/** The OpenAI-style prefixes orgledger mints ids with, in one place. */
export const idPrefix = {
  auditLog: 'audit_log-',
  adminKey: 'key_',
  organization: 'org-',
  serviceAccount: 'svc_acct_',
  logStream: 'logstream_',
  costEntry: 'cost_',
  usageRecord: 'usage_',
} as const;

export type IdKind = keyof typeof idPrefix;

export function newId(kind: IdKind, nowMs?: number): string {
  return idPrefix[kind] + timeSortableSuffix(nowMs);
}

/** A request id for responses whose client sent none usable (random, not time-sortable: logs carry the time). */
export function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
}

/** Random url-safe characters for secrets. */
export function randomToken(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length * 2);
  let out = '';
  for (const byte of bytes) {
    // 248 is the largest multiple of 62 below 256: rejecting above it keeps the draw unbiased.
    if (byte < 248) out += alphabet[byte % 62];
    if (out.length === length) break;
  }
  return out.length === length ? out : out + randomToken(length - out.length);
}
