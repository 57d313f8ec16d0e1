import type { AuditListQuery } from '../../features/audit-logs/types.js';

const COLUMNS = 'org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body';

/** One statement of a list query; see auditListSql. */
export interface AuditListStatement {
  sql: string;
  params: unknown[];
}

/** Filters that can drive the scan, most selective first: the index each is read through. */
const DRIVERS = [
  { key: 'resourceIds', column: 'resource_id', index: 'audit_events_resource' },
  { key: 'actorEmails', column: 'actor_email', index: 'audit_events_email' },
  { key: 'projectIds', column: 'project_id', index: 'audit_events_project' },
  { key: 'types', column: 'type', index: 'audit_events_type' },
] as const;

/** Beyond this many values the driving filter is not split; one statement sorts every match instead. */
const MAX_SPLIT = 16;

/**
 * One audit-log list query as SQL: one statement, or one per value of the driving filter. The results
 * of the statements, merged in list order and cut to `q.fetch` rows, are the page (the store merges).
 *
 * Why split: an `IN` list on a filter index cannot return rows in (effective_at, seq) order, so SQLite
 * collects and sorts every match (or, without statistics, walks the time index and checks each row;
 * 250 ms at 1M events). With `column = ?` per value, each statement walks its index in list order and
 * stops after `fetch` matches. Lists of values otherwise bind as one JSON array (json_each), so any
 * number of values gives the same statement text and the statement cache stays small.
 */
export function auditListSql(q: AuditListQuery): AuditListStatement[] {
  const driver = DRIVERS.find((d) => {
    const values = q[d.key];
    return values !== undefined && values.length > 0 && values.length <= MAX_SPLIT;
  });
  if (!driver) return [statement(q, null)];
  return (q[driver.key] as string[]).map((value) => statement(q, { ...driver, value }));
}

function statement(
  q: AuditListQuery,
  driver: { key: (typeof DRIVERS)[number]['key']; column: string; index: string; value: string } | null,
): AuditListStatement {
  const where: string[] = ['org_id = ?', 'tenant = ?'];
  const params: unknown[] = [q.orgId, q.tenantOnly ? 1 : 0];
  if (driver) {
    where.push(`${driver.column} = ?`);
    params.push(driver.value);
  }
  const inList = (key: (typeof DRIVERS)[number]['key'], column: string) => {
    const values = q[key];
    if (!values || key === driver?.key) return;
    where.push(`${column} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(values));
  };
  inList('types', 'type');
  inList('projectIds', 'project_id');
  inList('actorEmails', 'actor_email');
  inList('resourceIds', 'resource_id');
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
  const from = driver ? `audit_events INDEXED BY ${driver.index}` : 'audit_events';
  return {
    sql: `SELECT ${COLUMNS} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY effective_at ${dir}, seq ${dir} LIMIT ?`,
    params,
  };
}
