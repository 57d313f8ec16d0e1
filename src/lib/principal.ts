/** Who a request was authenticated as, and the scopes a key can hold: what every feature's routes read (the keys feature mints them). */

export const ALL_SCOPES = ['audit_logs.read', 'audit_logs.write', 'usage.read', 'usage.write', 'admin_api_keys.manage', 'log_streams.manage'] as const;
export type Scope = (typeof ALL_SCOPES)[number];

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

/** The caller a request was authenticated as. */
export interface Principal {
  orgId: string;
  keyId: string;
  scopes: ReadonlySet<Scope>;
  owner: KeyOwner;
}
