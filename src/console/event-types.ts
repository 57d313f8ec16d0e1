/** The audit-log event types (from the packaged spec at build time), grouped by the resource they act on. */
declare const __EVENT_TYPES__: [string, boolean][];

export interface EventTypeGroup {
  resource: string;
  label: string;
  types: string[];
}

const LABELS: Record<string, string> = {
  api_key: 'API keys',
  certificate: 'Certificates',
  certificates: 'Certificates',
  checkpoint: 'Checkpoints',
  external_key: 'External keys',
  external_storage: 'External storage',
  group: 'Groups',
  invite: 'Invites',
  ip_allowlist: 'IP allowlist',
  login: 'Logins',
  logout: 'Logouts',
  organization: 'Organization',
  project: 'Projects',
  rate_limit: 'Rate limits',
  resource: 'Resources',
  role: 'Roles',
  scim: 'SCIM',
  service_account: 'Service accounts',
  tenant: 'Tenants',
  tunnel: 'Tunnels',
  user: 'Users',
  workload_identity_provider: 'Workload identity providers',
  workload_identity_provider_mapping: 'Workload identity providers',
};

export const ALL_EVENT_TYPES: readonly string[] = __EVENT_TYPES__.map(([t]) => t);
const TENANT = new Set(__EVENT_TYPES__.filter(([, tenant]) => tenant).map(([t]) => t));

export function isTenantType(type: string): boolean {
  return TENANT.has(type);
}

function resourceOf(type: string): string {
  return LABELS[type.split('.')[0] ?? ''] ?? type.split('.')[0] ?? type;
}

/** Groups of the tenant-scoped types (tenantOnly) or of all the others, each sorted, groups by label. */
export function eventTypeGroups(tenantOnly: boolean): EventTypeGroup[] {
  const groups = new Map<string, string[]>();
  for (const type of ALL_EVENT_TYPES) {
    if (isTenantType(type) !== tenantOnly) continue;
    const label = resourceOf(type);
    groups.set(label, [...(groups.get(label) ?? []), type]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, types]) => ({ resource: label, label, types: types.sort() }));
}
