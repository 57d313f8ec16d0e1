/**
 * Episodes: the short stories an organization's audit log is made of, each a sequence of event types
 * with typical gaps (a certificate uploaded, activated, renewed, later removed). Every episode runs at
 * least once in a demo and then at its monthly rate, so every event type appears, rare ones rarely.
 * The everyday flows (sign-ins, keys, invites, projects) live in timeline.ts and are far more frequent.
 */

/** [event type, hours after the previous step]. */
export type Step = readonly [string, number];

export interface Episode {
  name: string;
  /** Expected extra runs per 30 days beyond the guaranteed first one. */
  perMonth: number;
  /** Tenant-administration stories are performed by an owner at the tenant level (no project). */
  projectScoped: boolean;
  steps: readonly Step[];
}

const e = (name: string, perMonth: number, projectScoped: boolean, steps: Step[]): Episode => ({ name, perMonth, projectScoped, steps });

export const EPISODES: readonly Episode[] = [
  // Everyday types, told once as a complete story so short demos hold them too.
  e('sign-in trouble', 2, false, [
    ['login.failed', 0],
    ['login.failed', 0.02],
    ['login.succeeded', 0.05],
    ['logout.failed', 6],
    ['logout.succeeded', 0.01],
  ]),
  e('contractor', 0.5, false, [
    ['invite.sent', 0],
    ['invite.accepted', 20],
    ['user.added', 0.01],
    ['user.updated', 24 * 10],
    ['user.deleted', 24 * 30],
  ]),
  e('withdrawn invite', 1, false, [
    ['invite.sent', 0],
    ['invite.deleted', 24 * 5],
  ]),
  e('key rotation', 1, true, [
    ['api_key.created', 0],
    ['api_key.updated', 24 * 3],
    ['api_key.deleted', 24 * 20],
  ]),
  e('prototype project', 0.3, true, [
    ['project.created', 0],
    ['project.updated', 24 * 2],
    ['project.archived', 24 * 25],
    ['project.deleted', 24 * 14],
  ]),
  e('rate limits', 1, true, [
    ['rate_limit.updated', 0],
    ['rate_limit.updated', 24 * 7],
    ['rate_limit.deleted', 24 * 20],
  ]),
  e('automation account', 0.5, true, [
    ['service_account.created', 0],
    ['service_account.updated', 24 * 4],
    ['service_account.deleted', 24 * 40],
  ]),
  // Organization administration.
  e('mTLS certificate', 0.2, false, [
    ['certificate.created', 0],
    ['certificates.activated', 0.5],
    ['certificate.updated', 24 * 20],
    ['certificates.deactivated', 24 * 30],
    ['certificate.deleted', 0.2],
  ]),
  e('checkpoint sharing', 0.4, true, [
    ['checkpoint.permission.created', 0],
    ['checkpoint.permission.deleted', 24 * 12],
  ]),
  e('customer-managed key', 0.1, false, [
    ['external_key.registered', 0],
    ['external_key.removed', 24 * 45],
  ]),
  e('external storage', 0.1, false, [
    ['external_storage.registered', 0],
    ['external_storage.removed', 24 * 50],
  ]),
  e('team group', 0.4, false, [
    ['group.created', 0],
    ['group.updated', 24 * 6],
    ['group.deleted', 24 * 40],
  ]),
  e('IP allowlist', 0.2, false, [
    ['ip_allowlist.created', 0],
    ['ip_allowlist.config.activated', 0.3],
    ['ip_allowlist.updated', 24 * 15],
    ['ip_allowlist.config.deactivated', 24 * 20],
    ['ip_allowlist.deleted', 0.5],
  ]),
  e('organization settings', 1, false, [['organization.updated', 0]]),
  e('file cleanup', 1, true, [['resource.deleted', 0]]),
  e('private tunnel', 0.15, false, [
    ['tunnel.created', 0],
    ['tunnel.updated', 24 * 10],
    ['tunnel.deleted', 24 * 35],
  ]),
  e('workload identity (org)', 0.15, true, [
    ['workload_identity_provider.created', 0],
    ['workload_identity_provider_mapping.created', 1],
    ['workload_identity_provider.updated', 24 * 5],
    ['workload_identity_provider_mapping.updated', 24 * 2],
    ['workload_identity_provider_mapping.deleted', 24 * 30],
    ['workload_identity_provider.deleted', 1],
  ]),
  e('custom role', 0.3, true, [
    ['role.created', 0],
    ['role.assignment.created', 0.5],
    ['role.updated', 24 * 8],
    ['role.assignment.deleted', 24 * 25],
    ['role.deleted', 24 * 2],
  ]),
  e('connector role', 0.5, false, [
    ['role.bound_to_resource', 0],
    ['role.unbound_from_resource', 24 * 9],
  ]),
  e('SCIM provisioning', 0.1, false, [
    ['scim.enabled', 0],
    ['scim.disabled', 24 * 60],
  ]),
  // Tenant administration (tenant-scoped: listed only with tenant_only=true).
  e('tenant profile', 0.5, false, [
    ['tenant.metadata.updated', 0],
    ['tenant.product_access_policy.updated', 24],
    ['tenant.third_party_app_policy.updated', 24 * 3],
  ]),
  e('entra mapping', 0.1, false, [
    ['tenant.microsoft_entra_mapping.upserted', 0],
    ['tenant.microsoft_entra_mapping.deleted', 24 * 40],
  ]),
  e('tenant workload identity', 0.15, false, [
    ['tenant.workload_identity.provider.created', 0],
    ['tenant.workload_identity.mapping.created', 0.5],
    ['tenant.workload_identity.binding.created', 0.2],
    ['tenant.workload_identity.principal.provisioned', 0.1],
    ['tenant.workload_identity.access_token.issued', 2],
    ['tenant.workload_identity.provider.updated', 24 * 6],
    ['tenant.workload_identity.mapping.updated', 24 * 2],
    ['tenant.workload_identity.mapping.archived', 24 * 30],
    ['tenant.workload_identity.provider.archived', 1],
  ]),
  e('tenant admin keys', 0.4, false, [
    ['tenant.admin_api_key.created', 0],
    ['tenant.project_api_key.created', 2],
    ['tenant.admin_api_key.updated', 24 * 10],
    ['tenant.admin_api_key.deleted', 24 * 30],
  ]),
  e('ChatGPT token revocation', 0.3, false, [['tenant.chatgpt_access_token.revoked', 0]]),
  e('tenant migration', 0.05, false, [
    ['tenant.migration_rollout.tier.updated', 0],
    ['tenant.migration_rollout.status.updated', 24 * 3],
    ['tenant.sso.migrated', 24 * 4],
    ['tenant.domains.migrated', 0.5],
    ['tenant.migration.completed', 1],
  ]),
  e('SSO connection', 0.1, false, [
    ['tenant.sso_connection.setup.started', 0],
    ['tenant.sso_connection.created', 2],
    ['tenant.sso_connection.updated', 24 * 14],
    ['tenant.sso_connection.deleted', 24 * 45],
  ]),
  e('access policy', 0.3, false, [
    ['tenant.policy.created', 0],
    ['tenant.policy.attached', 1],
    ['tenant.principal_authentication_policy.resolved', 2],
    ['tenant.policy.updated', 24 * 6],
    ['tenant.policy.detached', 24 * 20],
    ['tenant.policy.deleted', 1],
  ]),
  e('tenant SCIM', 0.05, false, [
    ['tenant.scim.setup.started', 0],
    ['tenant.scim.directory.created', 1],
    ['tenant.scim.deletion.requested', 24 * 60],
  ]),
  e('resource share accepted', 0.3, false, [
    ['tenant.resource_share_grant.created', 0],
    ['tenant.resource_share_grant.accepted', 20],
    ['tenant.resource_share_grant.updated', 24 * 7],
    ['tenant.resource_share_grant.revoked', 24 * 30],
    ['tenant.resource_share_grant.deleted', 1],
  ]),
  e('resource share declined', 0.2, false, [
    ['tenant.resource_share_grant.created', 0],
    ['tenant.resource_share_grant.declined', 30],
  ]),
  e('tenant service account', 0.3, false, [
    ['tenant.service_account.updated', 0],
    ['tenant.service_account.token.revoked', 24 * 10],
    ['tenant.service_account.deleted', 24 * 3],
  ]),
  e('billing settings', 0.4, false, [
    ['tenant.billing.alerts.updated', 0],
    ['tenant.billing.overage_limit.updated', 0.5],
    ['tenant.billing.info.updated', 24 * 20],
  ]),
  e('usage limits', 0.6, false, [
    ['tenant.usage_limit.workspace.updated', 0],
    ['tenant.usage_limit.group.updated', 0.5],
    ['tenant.usage_limit.user.updated', 24 * 4],
    ['tenant.usage_limit.increase_request.updated', 24 * 6],
    ['tenant.usage_limit.increase_request.resolved', 20],
  ]),
  e('tenant group', 0.4, false, [
    ['tenant.group.created', 0],
    ['tenant.group.member.added', 0.2],
    ['tenant.group.member.added', 0.05],
    ['tenant.group.updated', 24 * 5],
    ['tenant.group.member.removed', 24 * 15],
    ['tenant.group.deleted', 24 * 30],
  ]),
  e('tenant roles', 0.3, false, [
    ['tenant.custom_role.created', 0],
    ['tenant.role.metadata.updated', 1],
    ['tenant.role_assignment.created', 0.5],
    ['tenant.resource_role_assignment.created', 24],
    ['tenant.resource_access.updated', 2],
    ['tenant.custom_role.updated', 24 * 9],
    ['tenant.resource_access.deleted', 24 * 12],
    ['tenant.resource_role_assignment.deleted', 0.2],
    ['tenant.role_assignment.deleted', 24 * 10],
    ['tenant.custom_role.deleted', 1],
  ]),
  e('ads onboarding', 0.05, false, [['tenant.ads_account.onboarding.redemption', 0]]),
  e('session policy', 0.2, false, [
    ['tenant.session_policy.created', 0],
    ['tenant.session_policy.updated', 24 * 10],
    ['tenant.session_revocation.started', 24 * 5],
    ['tenant.session_policy.deleted', 24 * 40],
  ]),
  e('tenant member', 0.8, false, [
    ['tenant.user.looked_up', 0],
    ['tenant.user.invited', 0.1],
    ['tenant.membership.accepted', 18],
    ['tenant.user.added', 0.01],
    ['tenant.user.updated', 24 * 12],
    ['tenant.membership.revoked', 24 * 40],
    ['tenant.user.removed', 0.1],
  ]),
  e('declined membership', 0.3, false, [
    ['tenant.user.invited', 0],
    ['tenant.membership.declined', 40],
  ]),
  e('workspace invites', 0.5, false, [
    ['tenant.workspace_invite_email_settings.updated', 0],
    ['tenant.api_organization_invite.upserted', 2],
    ['tenant.chatgpt_workspace_invite.upserted', 0.5],
    ['tenant.api_organization_invite.deleted', 24 * 9],
  ]),
  e('trusted access', 0.05, false, [
    ['tenant.trusted_access.business_verification.started', 0],
    ['tenant.trusted_access.application.submitted', 24 * 3],
  ]),
];
