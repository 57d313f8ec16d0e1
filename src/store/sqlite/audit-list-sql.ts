import type { AuditListQuery } from '../../features/audit-logs/types.js';
import { TERM_DIM } from '../audit-terms.js';

const COLUMNS = 'org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body';

/** One statement of a list query; see auditListSql. */
export interface AuditListStatement {
  sql: string;
  params: unknown[];
}

/** Filters that can drive the scan, most selective first: the term dimension each is posted under. */
const DRIVERS = [
  { key: 'resourceIds', column: 'resource_id', dim: TERM_DIM.resource },
  { key: 'actorEmails', column: 'actor_email', dim: TERM_DIM.email },
  { key: 'projectIds', column: 'project_id', dim: TERM_DIM.project },
  { key: 'types', column: 'type', dim: TERM_DIM.type },
] as const;
type Driver = (typeof DRIVERS)[number];

/** Beyond this many values the driving filter is not split; one statement sorts every match instead. */
const MAX_SPLIT = 16;

/**
 * One audit-log list query as SQL: one statement, or one per value of the driving filter. The results
 * of the statements, merged in list order and cut to `q.fetch` rows, are the page (the store merges).
 *
 * Why split: postings of several values cannot be read in (effective_at, seq) order together, so
 * SQLite would collect and sort every match. With `term_id = <the value's term>` per value, each
 * statement walks that term's postings (org, term, effective_at, seq) in list order, joins each to its
 * event by primary key, and stops after `fetch` matches. Lists of values otherwise bind as one JSON
 * array (json_each), so any number of values gives the same statement text and the statement cache
 * stays small. A value never posted has no term: its statement finds nothing.
 */
export function auditListSql(q: AuditListQuery): AuditListStatement[] {
  const driver = DRIVERS.find((d) => {
    const values = q[d.key];
    return values !== undefined && values.length > 0 && values.length <= MAX_SPLIT;
  });
  if (!driver) return [statement(q, null)];
  return (q[driver.key] as string[]).map((value) => statement(q, { ...driver, value }));
}

function statement(q: AuditListQuery, driver: (Driver & { value: string }) | null): AuditListStatement {
  // With a driver the time and position conditions apply to the posting (p), the rest to the event (e).
  const at = driver ? 'p.' : '';
  const ev = driver ? 'e.' : '';
  const where: string[] = [];
  const params: unknown[] = [];
  if (driver) {
    where.push(`p.org_id = ? AND p.term_id = (SELECT term_id FROM audit_terms WHERE org_id = ? AND dim = ${driver.dim} AND value = ?)`);
    params.push(q.orgId, q.orgId, driver.value);
  } else {
    where.push('org_id = ?');
    params.push(q.orgId);
  }
  where.push(`${ev}tenant = ?`);
  params.push(q.tenantOnly ? 1 : 0);
  const inList = (key: Driver['key'], column: string) => {
    const values = q[key];
    if (!values || key === driver?.key) return;
    where.push(`${ev}${column} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(values));
  };
  inList('types', 'type');
  inList('projectIds', 'project_id');
  inList('actorEmails', 'actor_email');
  inList('resourceIds', 'resource_id');
  if (q.actorIds) {
    where.push(`${at}seq IN (SELECT seq FROM audit_event_actors WHERE org_id = ? AND actor_id IN (SELECT value FROM json_each(?)))`);
    params.push(q.orgId, JSON.stringify(q.actorIds));
  }
  const cond = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  const r = q.effectiveAt;
  if (r.gt !== undefined) cond(`${at}effective_at > ?`, r.gt);
  if (r.gte !== undefined) cond(`${at}effective_at >= ?`, r.gte);
  if (r.lt !== undefined) cond(`${at}effective_at < ?`, r.lt);
  if (r.lte !== undefined) cond(`${at}effective_at <= ?`, r.lte);
  if (q.olderThan) cond(`(${at}effective_at, ${at}seq) < (?, ?)`, q.olderThan.effectiveAt, q.olderThan.seq);
  if (q.newerThan) cond(`(${at}effective_at, ${at}seq) > (?, ?)`, q.newerThan.effectiveAt, q.newerThan.seq);
  const dir = q.direction === 'desc' ? 'DESC' : 'ASC';
  params.push(q.fetch);
  const from = driver ? 'audit_postings p JOIN audit_events e ON e.org_id = p.org_id AND e.seq = p.seq' : 'audit_events';
  const columns = driver
    ? COLUMNS.split(', ')
        .map((c) => `e.${c}`)
        .join(', ')
    : COLUMNS;
  return {
    sql: `SELECT ${columns} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${at}effective_at ${dir}, ${at}seq ${dir} LIMIT ?`,
    params,
  };
}
