import type { AuditListQuery } from '../../features/audit-logs/types.js';

export const AUDIT_COLUMNS = 'org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body';

/**
 * One audit-log list query as PostgreSQL SQL. Lists of values bind as one array (= ANY($n)), so any
 * number of values gives the same statement text: the statement can be prepared once per shape.
 */
export function auditListSql(q: AuditListQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const p = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [`org_id = ${p(q.orgId)}`, `tenant = ${p(q.tenantOnly)}`];
  const inList = (column: string, list: string[] | undefined) => {
    if (list) where.push(`${column} = ANY(${p(list)}::text[])`);
  };
  inList('type', q.types);
  inList('project_id', q.projectIds);
  inList('actor_email', q.actorEmails);
  inList('resource_id', q.resourceIds);
  if (q.actorIds) {
    where.push(`(effective_at, seq) IN (SELECT effective_at, seq FROM audit_event_actors WHERE org_id = $1 AND actor_id = ANY(${p(q.actorIds)}::text[]))`);
  }
  const r = q.effectiveAt;
  if (r.gt !== undefined) where.push(`effective_at > ${p(r.gt)}`);
  if (r.gte !== undefined) where.push(`effective_at >= ${p(r.gte)}`);
  if (r.lt !== undefined) where.push(`effective_at < ${p(r.lt)}`);
  if (r.lte !== undefined) where.push(`effective_at <= ${p(r.lte)}`);
  if (q.olderThan) where.push(`(effective_at, seq) < (${p(q.olderThan.effectiveAt)}::bigint, ${p(q.olderThan.seq)}::bigint)`);
  if (q.newerThan) where.push(`(effective_at, seq) > (${p(q.newerThan.effectiveAt)}::bigint, ${p(q.newerThan.seq)}::bigint)`);
  const dir = q.direction === 'desc' ? 'DESC' : 'ASC';
  return {
    text: `SELECT ${AUDIT_COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY effective_at ${dir}, seq ${dir} LIMIT ${p(q.fetch)}`,
    values,
  };
}
