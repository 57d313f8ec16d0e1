/**
 * The organization directory: every project, user, service account and key id the records mention,
 * with the names they carry. Read on request from the newest events (bounded, see the limits) and
 * the organization's admin keys; nothing is stored.
 */
import { DirectoryBuilder, NAMING_TYPES } from './collect.js';
import type { DirectoryStore } from './store.js';
import type { Directory } from './types.js';

/** The newest events of any type read (actors and projects), and of the naming types. */
// Kept small: reads are synchronous on SQLite, and the naming query reads up to this many rows per type.
export const RECENT_EVENTS = 5_000;
export const NAMING_EVENTS = 2_000;
const ADMIN_KEYS = 10_000;

export async function buildDirectory(store: DirectoryStore, orgId: string): Promise<Directory> {
  const base = { orgId, tenantOnly: false, effectiveAt: {}, direction: 'desc' as const };
  const [recent, naming, keys] = await Promise.all([
    store.audit.listAuditEvents({ ...base, fetch: RECENT_EVENTS }),
    store.audit.listAuditEvents({ ...base, types: [...NAMING_TYPES], fetch: NAMING_EVENTS }),
    store.keys.listAdminKeys({ orgId, order: 'desc', fetch: ADMIN_KEYS }),
  ]);
  const builder = new DirectoryBuilder();
  // Admin keys first: orgledger issued them, so their names are authoritative.
  for (const key of keys) builder.addAdminKey(key);
  // The naming events older than the oldest recent one come after it: the whole walk stays newest first.
  const oldestRecent = recent.at(-1);
  const older = oldestRecent
    ? naming.filter((e) => e.effectiveAt < oldestRecent.effectiveAt || (e.effectiveAt === oldestRecent.effectiveAt && e.seq < oldestRecent.seq))
    : naming;
  for (const e of [...recent, ...older]) builder.addEvent(JSON.parse(e.body) as Record<string, unknown>);
  return {
    entries: builder.entries(),
    scannedEvents: recent.length + older.length,
    truncated: recent.length >= RECENT_EVENTS || naming.length >= NAMING_EVENTS,
  };
}
