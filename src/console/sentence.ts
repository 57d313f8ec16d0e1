/**
 * An audit event as a sentence: "ana@example.com created API key deploy-bot in project Research".
 * Parts are text or references (actor, target, project) the view renders as names that filter on click.
 */
import type { AuditLog } from './api.js';
import type { Directory } from './directory.js';

export type RefRole = 'actor' | 'target' | 'project';
export type Part = { text: string } | { role: RefRole; id: string; label: string; kindLabel: string };

/** What the common types read as; other types read from their name ("certificate.created" -> "created certificate"). */
const PHRASES: Record<string, string> = {
  'api_key.created': 'created API key',
  'api_key.updated': 'updated API key',
  'api_key.deleted': 'deleted API key',
  'project.created': 'created project',
  'project.updated': 'updated project',
  'project.archived': 'archived project',
  'project.deleted': 'deleted project',
  'user.added': 'added user',
  'user.updated': 'changed the role of user',
  'user.deleted': 'removed user',
  'invite.sent': 'invited',
  'invite.accepted': 'accepted invite',
  'invite.deleted': 'withdrew invite',
  'service_account.created': 'created service account',
  'service_account.updated': 'updated service account',
  'service_account.deleted': 'deleted service account',
  'login.succeeded': 'signed in',
  'login.failed': 'failed to sign in',
  'logout.succeeded': 'signed out',
  'logout.failed': 'failed to sign out',
  'role.created': 'created role',
  'role.updated': 'changed role',
  'role.deleted': 'deleted role',
  'role.assignment.created': 'assigned role',
  'role.assignment.deleted': 'unassigned role',
  'ip_allowlist.created': 'created IP allowlist',
  'ip_allowlist.updated': 'changed IP allowlist',
  'ip_allowlist.deleted': 'deleted IP allowlist',
  'ip_allowlist.config.activated': 'activated IP allowlist',
  'ip_allowlist.config.deactivated': 'deactivated IP allowlist',
  'scim.enabled': 'enabled SCIM',
  'scim.disabled': 'disabled SCIM',
  'rate_limit.updated': 'changed rate limit',
  'rate_limit.deleted': 'removed rate limit',
  'organization.updated': 'changed organization settings',
  'certificate.created': 'uploaded certificate',
  'certificate.deleted': 'deleted certificate',
  'group.created': 'created group',
  'group.updated': 'changed group',
  'group.deleted': 'deleted group',
};

/** The noun used on hover for each reference kind. */
const TARGET_KIND: Record<string, string> = {
  api_key: 'API key',
  project: 'Project',
  user: 'User',
  service_account: 'Service account',
  invite: 'Invite',
  role: 'Role',
};

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

export function phraseOf(type: string): string {
  const known = PHRASES[type];
  if (known) return known;
  const parts = type.split('.');
  const verb = parts.pop() ?? type;
  return `${verb.replaceAll('_', ' ')} ${parts.join(' ').replaceAll('_', ' ')}`.trim();
}

export interface ActorRef {
  /** The id the audit-log filter finds the actor by (user, service account or key). */
  id: string;
  label: string;
  kindLabel: string;
  /** The API key the actor used, when it acted through one. */
  keyId: string | null;
  ip: string | null;
}

export function actorRef(e: AuditLog, dir: Directory): ActorRef | null {
  const a = e.actor;
  const user = a?.session?.user;
  if (user?.id || user?.email) {
    const id = (user.id ?? user.email) as string;
    return { id, label: user.email ?? dir.label(id), kindLabel: 'User', keyId: null, ip: a?.session?.ip_address ?? null };
  }
  const k = a?.api_key;
  if (!k) return null;
  const owner = k.user?.id ?? k.service_account?.id ?? null;
  const keyName = dir.name(k.id);
  if (owner) {
    const ownerLabel = k.user?.email ?? dir.name(owner) ?? owner;
    return { id: owner, label: ownerLabel, kindLabel: k.user ? 'User (API key)' : 'Service account', keyId: k.id ?? null, ip: null };
  }
  if (!k.id) return null;
  return { id: k.id, label: keyName ?? k.id, kindLabel: 'API key', keyId: k.id, ip: null };
}

export interface TargetRef {
  id: string;
  label: string;
  kindLabel: string;
}

export function targetRef(e: AuditLog, dir: Directory): TargetRef | null {
  const details = obj(e[e.type]);
  if (!details) return null;
  const data = obj(details.data);
  const resource = e.type.split('.')[0] ?? '';
  const id = str(details.id);
  const named = str(data?.name) ?? str(details.name) ?? str(details.role_name) ?? str(data?.email) ?? str(details.email) ?? str(obj(data)?.group_name) ?? null;
  if (!id) return named ? { id: named, label: named, kindLabel: TARGET_KIND[resource] ?? 'Target' } : null;
  return { id, label: dir.name(id) ?? named ?? id, kindLabel: TARGET_KIND[resource] ?? 'Target' };
}

export function sentence(e: AuditLog, dir: Directory): Part[] {
  const parts: Part[] = [];
  const actor = actorRef(e, dir);
  if (actor) parts.push({ role: 'actor', id: actor.id, label: actor.label, kindLabel: actor.kindLabel });
  else parts.push({ text: 'Someone' });
  parts.push({ text: ` ${phraseOf(e.type)}` });
  const target = targetRef(e, dir);
  // Logins and logouts act on the actor; their details carry no target.
  if (target) parts.push({ text: ' ' }, { role: 'target', id: target.id, label: target.label, kindLabel: target.kindLabel });
  const projectId = e.project?.id;
  if (projectId && !(e.type.startsWith('project.') && target?.id === projectId)) {
    parts.push({ text: ' in project ' }, { role: 'project', id: projectId, label: dir.name(projectId) ?? e.project?.name ?? projectId, kindLabel: 'Project' });
  }
  const details = obj(e[e.type]);
  const reason = str(details?.error_message);
  if (reason) parts.push({ text: ` (${reason.replace(/\.$/, '')})` });
  return parts;
}

/** The sentence as plain text (tests, titles, CSV). */
export function sentenceText(parts: Part[]): string {
  return parts.map((p) => ('text' in p ? p.text : p.label)).join('');
}
