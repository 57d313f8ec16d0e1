/** Domain types of organizations and admin API keys (wire shapes live in schemas.ts). */
import type { KeyOwner, Scope } from '../../lib/principal.js';

export { ALL_SCOPES, type KeyOwner, type Principal, type Scope } from '../../lib/principal.js';

export interface Organization {
  id: string;
  name: string;
  createdAt: number;
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
