import type { AuditListQuery } from '../../features/audit-logs/types.js';

const COLUMNS = 'org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body';

/**
 * One audit-log list query as SQL. Lists of values bind as one JSON array (json_each), so any number
 * of values gives the same statement text and the statement cache stays small.
 */
export function auditListSql(q: AuditListQuery): { sql: string; params: unknown[] } {
  const where: string[] = ['org_id = ?', 'tenant = ?'];
  const params: unknown[] = [q.orgId, q.tenantOnly ? 1 : 0];
  const inList = (column: string, values: string[] | undefined) => {
    if (!values) return;
    where.push(`${column} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(values));
  };
  inList('type', q.types);
  inList('project_id', q.projectIds);
  inList('actor_email', q.actorEmails);
  inList('resource_id', q.resourceIds);
  if (q.actorIds) {
    where.push('seq IN (SELECT seq FROM audit_event_actors WHERE org_id = ? AND actor_id IN (SELECT value FROM json_each(?)))');
    params.push(q.orgId, JSON.stringify(q.actorIds));
  }
  const cond = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  const r = q.effectiveAt;
  if (r.gt !== undefined) cond('effective_at > ?', r.gt);
  if (r.gte !== undefined) cond('effective_at >= ?', r.gte);
  if (r.lt !== undefined) cond('effective_at < ?', r.lt);
  if (r.lte !== undefined) cond('effective_at <= ?', r.lte);
  if (q.olderThan) cond('(effective_at, seq) < (?, ?)', q.olderThan.effectiveAt, q.olderThan.seq);
  if (q.newerThan) cond('(effective_at, seq) > (?, ?)', q.newerThan.effectiveAt, q.newerThan.seq);
  const dir = q.direction === 'desc' ? 'DESC' : 'ASC';
  params.push(q.fetch);
  return {
    sql: `SELECT ${COLUMNS} FROM audit_events WHERE ${where.join(' AND ')} ORDER BY effective_at ${dir}, seq ${dir} LIMIT ?`,
    params,
  };
}
