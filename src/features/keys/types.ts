/** Domain types of organizations and admin API keys (wire shapes live in schemas.ts). */

export const ALL_SCOPES = ['audit_logs.read', 'audit_logs.write', 'usage.read', 'usage.write', 'admin_api_keys.manage'] as const;
export type Scope = (typeof ALL_SCOPES)[number];

export interface Organization {
  id: string;
  name: string;
  createdAt: number;
}

/** Who holds a key, in the shape of the spec's AdminApiKey.owner. */
export interface KeyOwner {
  type: 'user' | 'service_account';
  object: 'organization.user' | 'organization.service_account';
  id: string;
  name: string;
  created_at: number;
  role: 'owner' | 'member';
  email?: string;
}

export interface AdminKeyRecord {
  orgId: string;
  id: string;
  name: string | null;
  secretHash: string;
  redactedValue: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  scopes: Scope[];
  owner: KeyOwner;
}

/** The caller a request was authenticated as. */
export interface Principal {
  orgId: string;
  keyId: string;
  scopes: ReadonlySet<Scope>;
  owner: KeyOwner;
}
