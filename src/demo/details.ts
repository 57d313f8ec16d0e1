/**
 * Details objects for every audit event type, shaped by the spec's AuditLog properties (the types the
 * spec gives a schema) and, for the types it leaves open (tunnel.*, resource.deleted, tenant.*), by
 * what the type's name says happened. Every object passes the same validation as the API.
 */
import { makeId, type Person, type Project } from './organization.js';
import type { Prng } from './prng.js';

export interface DetailsContext {
  rng: Prng;
  domain: string;
  /** The same id for the same name within one episode (the certificate created, then deleted). */
  id(name: string, prefix: string): string;
  /** Someone the event is about (invitee, new member, role holder). */
  subject: Person;
  project: Project;
  projects: Project[];
}

type Builder = (c: DetailsContext) => Record<string, unknown>;

const SCOPES = [
  'api.model.request',
  'api.model.read',
  'api.files.write',
  'api.files.read',
  'api.fine_tuning.jobs.write',
  'api.batch.write',
  'api.vector_stores.write',
];
const MODELS_FOR_LIMITS = ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'o4-mini', 'text-embedding-3-small', 'gpt-image-1'];
const PERMISSIONS = [
  'api.organization.projects.read',
  'api.organization.projects.write',
  'api.organization.users.read',
  'api.model.request',
  'api.files.write',
  'api.usage.read',
];

function scopes(c: DetailsContext): string[] {
  const chosen = SCOPES.filter(() => c.rng.chance(0.4));
  return chosen.length > 0 ? chosen : ['api.model.request'];
}

function pem(c: DetailsContext): string {
  return `-----BEGIN CERTIFICATE-----\n${c.rng.base62(64)}\n${c.rng.base62(64)}\n-----END CERTIFICATE-----`;
}

const certificate = (c: DetailsContext) => ({ id: c.id('cert', 'cert_'), name: `${c.domain} mTLS ${new Date().getUTCFullYear()}` });
const certificateList = (c: DetailsContext) => ({ certificates: [certificate(c)] });
const allowlist = (c: DetailsContext) => ({ id: c.id('ipl', 'ipallowlist_'), name: 'Office egress', allowed_ips: ['203.0.113.0/24', '198.51.100.17/32'] });
const allowlistConfigs = (c: DetailsContext) => ({ configs: [{ id: c.id('ipl', 'ipallowlist_'), name: 'Office egress' }] });
const roleTarget = (c: DetailsContext) => ({
  id: c.id('assignment', 'roleasgn_'),
  principal_id: c.subject.id,
  principal_type: 'user',
  resource_id: c.project.id,
  resource_type: 'api.project',
});
const connectorBinding = (c: DetailsContext, enabled: boolean) => {
  const workspace = c.id('workspace', 'ws_');
  const connector = c.id('connector', 'conn_');
  return {
    id: `${workspace}__${connector}`,
    role_id: c.id('role', 'role_'),
    resource_id: `${workspace}__${connector}`,
    resource_type: 'chatgpt.connector',
    permissions: ['connector.read', 'connector.invoke'],
    workspace_id: workspace,
    connector_id: connector,
    connector_name: c.rng.pick(['Google Drive', 'SharePoint', 'GitHub', 'Jira', 'Salesforce']),
    enabled,
    source: enabled ? 'role_toggle' : c.rng.pick(['role_toggle', 'role_delete', 'workspace_permissions'] as const),
  };
};

/** The types with a details schema in the spec, one builder each. */
const SPEC_BUILDERS: Record<string, Builder> = {
  'api_key.created': (c) => ({ id: c.id('key', 'key_'), data: { scopes: scopes(c) } }),
  'api_key.updated': (c) => ({ id: c.id('key', 'key_'), changes_requested: { scopes: scopes(c) } }),
  'api_key.deleted': (c) => ({ id: c.id('key', 'key_') }),
  'certificate.created': certificate,
  'certificate.updated': (c) => ({ ...certificate(c), name: `${c.domain} mTLS (renewed)` }),
  'certificate.deleted': (c) => ({ ...certificate(c), certificate: pem(c) }),
  'certificates.activated': certificateList,
  'certificates.deactivated': certificateList,
  'checkpoint.permission.created': (c) => ({
    id: c.id('cp', 'cp_'),
    data: {
      project_id: c.project.id,
      fine_tuned_model_checkpoint: `ft:gpt-4.1-mini-2025-04-14:${c.domain.split('.')[0]}::${c.rng.base62(8)}:ckpt-step-${c.rng.int(1, 40) * 100}`,
    },
  }),
  'checkpoint.permission.deleted': (c) => ({ id: c.id('cp', 'cp_') }),
  'external_key.registered': (c) => ({
    id: c.id('ekm', 'ekm_'),
    data: { provider: 'aws_kms', key_arn: `arn:aws:kms:us-east-1:${c.rng.int(100000000000, 999999999999)}:key/${c.rng.hex(8)}` },
  }),
  'external_key.removed': (c) => ({ id: c.id('ekm', 'ekm_') }),
  'group.created': (c) => ({
    id: c.id('group', 'group_'),
    data: { group_name: c.rng.pick(['ML Platform', 'Support Engineering', 'Data Science', 'Finance Ops', 'Security']) },
  }),
  'group.updated': (c) => ({ id: c.id('group', 'group_'), changes_requested: { group_name: c.rng.pick(['ML Platform Team', 'Applied AI', 'Analytics']) } }),
  'group.deleted': (c) => ({ id: c.id('group', 'group_') }),
  'invite.sent': (c) => ({ id: c.id('invite', 'invite-'), data: { email: c.subject.email, role: c.subject.role === 'owner' ? 'owner' : 'member' } }),
  'invite.accepted': (c) => ({ id: c.id('invite', 'invite-') }),
  'invite.deleted': (c) => ({ id: c.id('invite', 'invite-') }),
  'ip_allowlist.created': allowlist,
  'ip_allowlist.updated': (c) => ({ id: c.id('ipl', 'ipallowlist_'), allowed_ips: ['203.0.113.0/24', '198.51.100.17/32', '192.0.2.44/32'] }),
  'ip_allowlist.deleted': allowlist,
  'ip_allowlist.config.activated': allowlistConfigs,
  'ip_allowlist.config.deactivated': allowlistConfigs,
  'login.succeeded': () => ({}),
  'login.failed': (c) =>
    c.rng.weighted([
      [{ error_code: 'invalid_credentials', error_message: 'Wrong email or password.' }, 6],
      [{ error_code: 'mfa_failed', error_message: 'The verification code was incorrect.' }, 3],
      [{ error_code: 'sso_error', error_message: 'The identity provider rejected the sign-in.' }, 1],
    ] as const),
  'logout.succeeded': () => ({}),
  'logout.failed': () => ({ error_code: 'session_expired', error_message: 'The session had already expired.' }),
  'organization.updated': (c) => ({
    id: c.id('org', 'org-'),
    changes_requested: c.rng.weighted([
      [{ threads_ui_visibility: c.rng.pick(['ANY_ROLE', 'OWNERS', 'NONE']) }, 2],
      [{ usage_dashboard_visibility: c.rng.pick(['ANY_ROLE', 'OWNERS']) }, 2],
      [{ api_call_logging: 'enabled_for_selected_projects', api_call_logging_project_ids: c.project.id }, 1],
      [{ description: 'Production and research workloads' }, 1],
      [{ title: c.domain.split('.')[0] }, 1],
    ] as const),
  }),
  'project.created': (c) => ({ id: c.project.id, data: { name: c.project.name, title: c.project.name } }),
  'project.updated': (c) => ({ id: c.project.id, changes_requested: { title: `${c.project.name} (${c.rng.pick(['v2', 'legacy', 'EU', 'pilot'])})` } }),
  'project.archived': (c) => ({ id: c.project.id }),
  'project.deleted': (c) => ({ id: c.project.id }),
  'rate_limit.updated': (c) => {
    const changes: Record<string, number> = {};
    const model = c.rng.pick(MODELS_FOR_LIMITS);
    if (model === 'gpt-image-1') changes.max_images_per_1_minute = c.rng.pick([5, 10, 50]);
    else {
      changes.max_requests_per_1_minute = c.rng.pick([500, 1000, 5000, 10000]);
      changes.max_tokens_per_1_minute = c.rng.pick([200000, 1000000, 2000000, 10000000]);
      if (c.rng.chance(0.3)) changes.batch_1_day_max_input_tokens = c.rng.pick([5000000, 20000000]);
      if (c.rng.chance(0.2)) changes.max_requests_per_1_day = c.rng.pick([10000, 100000]);
    }
    return { id: c.id(`rl-${model}`, `rl-${model}-`), changes_requested: changes };
  },
  'rate_limit.deleted': (c) => ({ id: c.id('rl-gpt-4o', 'rl-gpt-4o-') }),
  'workload_identity_provider.created': (c) => ({
    id: c.id('wip', 'wip_'),
    data: { name: 'GitHub Actions', issuer: 'https://token.actions.githubusercontent.com', audience: `https://api.${c.domain}` },
  }),
  'workload_identity_provider.updated': (c) => ({ id: c.id('wip', 'wip_'), changes_requested: { audience: `https://gateway.${c.domain}` } }),
  'workload_identity_provider.deleted': (c) => ({ id: c.id('wip', 'wip_'), name: 'GitHub Actions' }),
  'workload_identity_provider_mapping.created': (c) => ({
    id: c.id('wipm', 'wipm_'),
    identity_provider_id: c.id('wip', 'wip_'),
    data: { project_id: c.project.id, subject: `repo:${c.domain.split('.')[0]}/evals:ref:refs/heads/main` },
  }),
  'workload_identity_provider_mapping.updated': (c) => ({
    id: c.id('wipm', 'wipm_'),
    identity_provider_id: c.id('wip', 'wip_'),
    changes_requested: { subject: `repo:${c.domain.split('.')[0]}/evals:environment:production` },
  }),
  'workload_identity_provider_mapping.deleted': (c) => ({
    id: c.id('wipm', 'wipm_'),
    identity_provider_id: c.id('wip', 'wip_'),
    project_id: c.project.id,
    service_account_id: c.id('svc', 'svc_acct_'),
  }),
  'role.created': (c) => ({
    id: c.id('role', 'role_'),
    role_name: c.rng.pick(['Usage viewer', 'Model deployer', 'Billing analyst', 'Project auditor']),
    permissions: PERMISSIONS.filter(() => c.rng.chance(0.5)).concat('api.usage.read'),
    resource_type: 'api.organization',
    resource_id: c.id('org', 'org-'),
  }),
  'role.updated': (c) => ({
    id: c.id('role', 'role_'),
    changes_requested: { permissions_added: ['api.files.write'], permissions_removed: [], description: 'Adds file uploads' },
  }),
  'role.deleted': (c) => ({ id: c.id('role', 'role_') }),
  'role.assignment.created': roleTarget,
  'role.assignment.deleted': roleTarget,
  'role.bound_to_resource': (c) => connectorBinding(c, true),
  'role.unbound_from_resource': (c) => connectorBinding(c, false),
  'scim.enabled': (c) => ({ id: c.id('scim', 'scim_') }),
  'scim.disabled': (c) => ({ id: c.id('scim', 'scim_') }),
  'service_account.created': (c) => ({ id: c.id('svc', 'svc_acct_'), data: { role: 'member' } }),
  'service_account.updated': (c) => ({ id: c.id('svc', 'svc_acct_'), changes_requested: { role: c.rng.pick(['owner', 'member']) } }),
  'service_account.deleted': (c) => ({ id: c.id('svc', 'svc_acct_') }),
  'user.added': (c) => ({ id: c.subject.id, data: { role: c.subject.role === 'owner' ? 'owner' : 'member' } }),
  'user.updated': (c) => ({ id: c.subject.id, changes_requested: { role: c.subject.role === 'owner' ? 'owner' : 'member' } }),
  'user.deleted': (c) => ({ id: c.subject.id }),
  // Open in the spec: shapes from what the name says.
  'resource.deleted': (c) => ({ id: c.id('file', 'file-'), object: c.rng.pick(['file', 'vector_store', 'assistant']) }),
  'tunnel.created': (c) => ({ id: c.id('tunnel', 'tunnel_'), data: { name: 'on-prem-gateway', region: 'us-east-1' } }),
  'tunnel.updated': (c) => ({ id: c.id('tunnel', 'tunnel_'), changes_requested: { region: 'eu-west-1' } }),
  'tunnel.deleted': (c) => ({ id: c.id('tunnel', 'tunnel_') }),
  'external_storage.registered': (c) => ({
    id: c.id('storage', 'extstore_'),
    data: {
      geography: 'US',
      provider: {
        type: 'aws',
        account_id: String(c.rng.int(100000000000, 999999999999)),
        bucket: `${c.domain.split('.')[0]}-openai-data`,
        region: 'us-east-1',
      },
    },
  }),
  'external_storage.removed': (c) => ({ id: c.id('storage', 'extstore_') }),
};

/** Prefixes of the tenant entities' ids. */
const TENANT_PREFIX: Record<string, string> = {
  metadata: 'tenant_',
  microsoft_entra_mapping: 'entramap_',
  'workload_identity.provider': 'wip_',
  'workload_identity.mapping': 'wipm_',
  'workload_identity.binding': 'wibind_',
  'workload_identity.principal': 'wiprin_',
  'workload_identity.access_token': 'witok_',
  admin_api_key: 'key_',
  project_api_key: 'key_',
  chatgpt_access_token: 'cgtok_',
  sso_connection: 'sso_',
  'sso_connection.setup': 'sso_',
  policy: 'policy_',
  resource_share_grant: 'grant_',
  service_account: 'svc_acct_',
  'service_account.token': 'svc_acct_',
  group: 'group_',
  'group.member': 'group_',
  custom_role: 'role_',
  role_assignment: 'roleasgn_',
  resource_role_assignment: 'roleasgn_',
  session_policy: 'sesspol_',
  user: 'user-',
  membership: 'user-',
  api_organization_invite: 'invite-',
  chatgpt_workspace_invite: 'invite-',
};

/** Extra members for some tenant types, beyond the id and the generic data/changes. */
const TENANT_EXTRA: Record<string, Builder> = {
  'tenant.group.member.added': (c) => ({ user_id: c.subject.id }),
  'tenant.group.member.removed': (c) => ({ user_id: c.subject.id }),
  'tenant.policy.attached': (c) => ({ target_id: c.project.id, target_type: 'project' }),
  'tenant.policy.detached': (c) => ({ target_id: c.project.id, target_type: 'project' }),
  'tenant.user.looked_up': (c) => ({ email: c.subject.email }),
  'tenant.user.invited': (c) => ({ email: c.subject.email, role: 'member' }),
  'tenant.membership.accepted': (c) => ({ email: c.subject.email }),
  'tenant.membership.declined': (c) => ({ email: `${c.rng.pick(['jo', 'alex', 'kim'])}@partner.example` }),
  'tenant.resource_share_grant.created': (c) => ({ resource_id: c.project.id, grantee_tenant_id: c.id('partner', 'tenant_') }),
  'tenant.usage_limit.increase_request.resolved': (c) => ({ status: c.rng.pick(['approved', 'denied']) }),
  'tenant.migration_rollout.tier.updated': (c) => ({ tier: c.rng.pick(['canary', 'early', 'general']) }),
  'tenant.migration_rollout.status.updated': (c) => ({ status: c.rng.pick(['scheduled', 'in_progress', 'completed']) }),
  'tenant.billing.overage_limit.updated': (c) => ({ changes_requested: { overage_limit_usd: c.rng.pick([500, 1000, 5000]) } }),
  'tenant.billing.alerts.updated': () => ({ changes_requested: { thresholds_usd: [1000, 2500, 5000] } }),
  'tenant.usage_limit.user.updated': (c) => ({ user_id: c.subject.id, changes_requested: { monthly_limit_usd: c.rng.pick([50, 100, 250]) } }),
  'tenant.session_revocation.started': (c) => ({ user_id: c.subject.id, reason: 'offboarding' }),
  'tenant.ads_account.onboarding.redemption': (c) => ({ code: c.rng.base62(10).toUpperCase() }),
};

const CREATE_VERBS = new Set(['created', 'upserted', 'registered', 'started', 'invited', 'added', 'provisioned', 'issued', 'submitted', 'redemption']);

function tenantDetails(type: string, c: DetailsContext): Record<string, unknown> {
  const parts = type.split('.');
  const verb = parts[parts.length - 1] as string;
  const entity = parts.slice(1, -1).join('.');
  const base = entity.split('.')[0] as string;
  const prefix = TENANT_PREFIX[entity] ?? TENANT_PREFIX[base] ?? `${base.replace(/[^a-z]/g, '')}_`;
  const idName = entity.startsWith('user') || entity.startsWith('membership') ? null : base;
  const out: Record<string, unknown> = { id: idName ? c.id(`tenant:${idName}`, prefix) : c.subject.id };
  if (CREATE_VERBS.has(verb)) out.data = { name: `${entity.replace(/[._]/g, ' ')} ${c.rng.int(1, 9)}` };
  else if (verb === 'updated') out.changes_requested = { [`${base}_setting`]: c.rng.pick(['enabled', 'restricted', 'disabled']) };
  return { ...out, ...(TENANT_EXTRA[type]?.(c) ?? {}) };
}

export function detailsFor(type: string, c: DetailsContext): Record<string, unknown> {
  const builder = SPEC_BUILDERS[type];
  if (builder) return builder(c);
  if (type.startsWith('tenant.')) return tenantDetails(type, c);
  return { id: c.id(type.split('.')[0] as string, 'res_') };
}

/** A fresh id for episode contexts that have none yet. */
export function freshId(rng: Prng, prefix: string): string {
  return makeId(rng, prefix, 20);
}
