/** Organizations and admin keys: the keys feature's part of the store. Engines implement both halves. */
import type { Writer } from '../../lib/writer.js';
import type { AuditWrites } from '../audit-logs/store.js';
import type { AdminKeyRecord, Organization } from './types.js';

export interface AdminKeyPageQuery {
  orgId: string;
  order: 'asc' | 'desc';
  after?: { createdAt: number; id: string };
  /** rows to fetch; callers ask for limit + 1 to learn has_more */
  fetch: number;
}

export interface KeyReads {
  getOrganization(id: string): Promise<Organization | null>;
  listOrganizations(): Promise<Organization[]>;
  findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null>;
  getAdminKey(orgId: string, id: string): Promise<AdminKeyRecord | null>;
  listAdminKeys(query: AdminKeyPageQuery): Promise<AdminKeyRecord[]>;
}

export interface KeyWrites {
  insertOrganization(org: Organization): Promise<void>;
  getOrganization(id: string): Promise<Organization | null>;
  insertAdminKey(key: AdminKeyRecord): Promise<void>;
  findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null>;
  countActiveAdminKeys(orgId: string, nowSeconds: number): Promise<number>;
  /** Marks a key revoked; false when it does not exist (or is already revoked) in that organization. */
  revokeAdminKey(orgId: string, id: string, at: number): Promise<boolean>;
  touchAdminKeys(touches: { orgId: string; id: string; at: number }[]): Promise<void>;
}

/** The store the key service needs: key changes are audited in the same transaction. */
export interface KeyStore extends Writer<{ keys: KeyWrites; audit: AuditWrites }> {
  readonly keys: KeyReads;
}
