/**
 * The list endpoint's filters as a predicate over stored events: the stream delivers exactly the
 * events GET /v1/organization/audit_logs with the same query would list (tenant-scoped events only
 * with tenant_only=true, like the list).
 */
import { errors } from '../../lib/errors.js';
import { eventTypes } from '../audit-logs/event-types.js';
import { actorKeys } from '../audit-logs/event-validation.js';
import type { Actor, ListAuditLogsQuery } from '../audit-logs/schemas.js';
import type { TailEvent } from './store.js';

export type AuditFilter = Omit<ListAuditLogsQuery, 'limit' | 'after' | 'before'>;

export function auditMatcher(q: AuditFilter): (e: TailEvent) => boolean {
  const tenantOnly = q.tenant_only ?? false;
  for (const type of q.event_types ?? []) {
    if (tenantOnly && !(eventTypes().get(type)?.tenantScoped ?? false))
      throw errors.invalidParam('event_types', `'${type}' is not a tenant-scoped event type; with tenant_only=true every event type must be tenant-scoped.`);
  }
  const set = (list: string[] | undefined) => (list ? new Set(list) : null);
  const types = set(q.event_types);
  const projects = set(q.project_ids);
  const emails = set(q.actor_emails);
  const resources = set(q.resource_ids);
  const actors = set(q.actor_ids);
  const r = q.effective_at ?? {};
  return (e) => {
    if (e.tenant !== tenantOnly) return false;
    if (types && !types.has(e.type)) return false;
    if (projects && (e.projectId === null || !projects.has(e.projectId))) return false;
    if (emails && (e.actorEmail === null || !emails.has(e.actorEmail))) return false;
    if (resources && (e.resourceId === null || !resources.has(e.resourceId))) return false;
    if (r.gt !== undefined && !(e.effectiveAt > r.gt)) return false;
    if (r.gte !== undefined && !(e.effectiveAt >= r.gte)) return false;
    if (r.lt !== undefined && !(e.effectiveAt < r.lt)) return false;
    if (r.lte !== undefined && !(e.effectiveAt <= r.lte)) return false;
    if (actors) {
      // Rare filter: the actor's ids are read from the event itself rather than a second table.
      const actor = (JSON.parse(e.body) as { actor?: Actor | null }).actor;
      if (!actorKeys(actor).ids.some((id) => actors.has(id))) return false;
    }
    return true;
  };
}
