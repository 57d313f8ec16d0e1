import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so equal content gives equal text (and hash). It runs
 * once per ingested event (the idempotency hash), so it appends to one string instead of building
 * entry arrays; Object.keys().sort() orders by UTF-16 code units, as `<` does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}

/**
 * The idempotency hash of an ingested item: SHA-256 of its canonical JSON. Usage records and cost
 * entries store the short form (22 base64url characters, 132 bits); audit events store the full hex
 * digest. The two encodings stay as they are because stores already hold them: a replay compares
 * against the stored value, so changing either would turn every replay of old data into a conflict.
 */
export function contentHash(value: unknown, encoding: 'short' | 'hex' = 'short'): string {
  const digest = createHash('sha256').update(canonicalJson(value));
  return encoding === 'hex' ? digest.digest('hex') : digest.digest('base64url').slice(0, 22);
}
