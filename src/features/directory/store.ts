/**
 * What the directory reads: the audit log's list query and the admin keys. It has no tables of its
 * own; names are derived from the records each time (no migration, never out of step with them).
 */
import type { AuditReads } from '../audit-logs/store.js';
import type { KeyReads } from '../keys/store.js';

export interface DirectoryStore {
  readonly audit: Pick<AuditReads, 'listAuditEvents'>;
  readonly keys: Pick<KeyReads, 'listAdminKeys'>;
}
