/**
 * Audit filter postings (migration 11, ADR 0007): the values the list filters match on are interned per
 * organization (audit_terms) and each event's values are posted as (org, term, effective_at, seq)
 * integer keys (audit_postings), one b-tree instead of one text index per filter.
 */
import type { StoredAuditEvent } from '../features/audit-logs/types.js';

/** A filter dimension's number in audit_terms.dim. Actor ids keep their own table (audit_event_actors). */
export const TERM_DIM = { type: 1, project: 2, email: 3, resource: 4 } as const;
export type TermDim = (typeof TERM_DIM)[keyof typeof TERM_DIM];

/** The (dim, value) pairs an event is posted under. */
export function eventTerms(e: StoredAuditEvent): [TermDim, string][] {
  const terms: [TermDim, string][] = [[TERM_DIM.type, e.type]];
  if (e.projectId !== null) terms.push([TERM_DIM.project, e.projectId]);
  if (e.actorEmail !== null) terms.push([TERM_DIM.email, e.actorEmail]);
  if (e.resourceId !== null) terms.push([TERM_DIM.resource, e.resourceId]);
  return terms;
}

/** Bound on cached terms (resource ids grow with the log): past it the cache starts over. */
const MAX_CACHED = 200_000;

/**
 * The writer's term ids, so a known term costs no read. Entries are added as the writer's transaction
 * resolves them; any rollback must call clear(): a term inserted by a rolled-back write does not exist,
 * and its id may be given to another value later.
 */
export class TermCache {
  private readonly orgs = new Map<string, Map<string, number>>();
  private size = 0;

  static key(dim: TermDim, value: string): string {
    return `${dim}:${value}`;
  }
  get(orgId: string, key: string): number | undefined {
    return this.orgs.get(orgId)?.get(key);
  }
  set(orgId: string, key: string, termId: number): void {
    if (this.size >= MAX_CACHED) this.clear();
    const m = this.orgs.get(orgId) ?? new Map<string, number>();
    if (m.size === 0) this.orgs.set(orgId, m);
    m.set(key, termId);
    this.size++;
  }
  clear(): void {
    this.orgs.clear();
    this.size = 0;
  }
}

/** A batch's terms not in the cache, per organization: key -> [dim, value]. */
export function missingTerms(cache: TermCache, events: StoredAuditEvent[]): Map<string, Map<string, [TermDim, string]>> {
  const missing = new Map<string, Map<string, [TermDim, string]>>();
  for (const e of events)
    for (const t of eventTerms(e)) {
      const key = TermCache.key(t[0], t[1]);
      if (cache.get(e.orgId, key) !== undefined) continue;
      const m = missing.get(e.orgId) ?? new Map<string, [TermDim, string]>();
      if (m.size === 0) missing.set(e.orgId, m);
      m.set(key, t);
    }
  return missing;
}

/**
 * Deletes the postings of an organization's events with seq in (from, to], before the events
 * themselves are deleted (retention). Parameters: org, from, to (SQLite ?; PostgreSQL $1..$3).
 */
export function prunePostingsSql(engine: 'sqlite' | 'postgres'): string {
  const [org, from, to] = engine === 'sqlite' ? ['?1', '?2', '?3'] : ['$1', '$2', '$3'];
  const events =
    engine === 'sqlite'
      ? `audit_events e WHERE e.org_id = ${org} AND e.seq > ${from} AND e.seq <= ${to}`
      : `audit_event_ids i JOIN audit_events e ON e.org_id = i.org_id AND e.effective_at = i.effective_at AND e.seq = i.seq
         WHERE i.org_id = ${org} AND i.seq > ${from} AND i.seq <= ${to} AND e.org_id = ${org}`;
  const terms = [
    [TERM_DIM.type, 'type'],
    [TERM_DIM.project, 'project_id'],
    [TERM_DIM.email, 'actor_email'],
    [TERM_DIM.resource, 'resource_id'],
  ]
    .map(
      ([dim, column]) =>
        `SELECT t.term_id, e.effective_at, e.seq FROM ${events.replace(' WHERE ', ` JOIN audit_terms t ON t.org_id = e.org_id AND t.dim = ${dim} AND t.value = e.${column} WHERE `)}`,
    )
    .join(' UNION ALL ');
  return `DELETE FROM audit_postings WHERE org_id = ${org} AND (term_id, effective_at, seq) IN (${terms})`;
}
