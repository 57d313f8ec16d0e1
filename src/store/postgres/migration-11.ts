/**
 * Migration 11 on PostgreSQL (never edit after it lands), the twin of sqlite/migration-11.ts: audit
 * filter values interned per organization (audit_terms) and posted as (org, term, effective_at, seq)
 * integer keys in one unpartitioned audit_postings table, instead of the type, project, email and
 * resource indexes on every audit_events partition. org_id leads both primary keys.
 */
export const auditPostingsSqlPg = `
  ALTER TABLE organizations ADD COLUMN audit_terms bigint NOT NULL DEFAULT 0;
  CREATE TABLE audit_terms (
    org_id   text COLLATE "C" NOT NULL,
    dim      smallint NOT NULL,
    value    text COLLATE "C" NOT NULL,
    term_id  bigint NOT NULL,
    PRIMARY KEY (org_id, dim, value)
  );
  CREATE TABLE audit_postings (
    org_id        text COLLATE "C" NOT NULL,
    term_id       bigint NOT NULL,
    effective_at  bigint NOT NULL,
    seq           bigint NOT NULL,
    PRIMARY KEY (org_id, term_id, effective_at, seq)
  );

  INSERT INTO audit_terms (org_id, dim, value, term_id)
    SELECT org_id, dim, value, row_number() OVER (PARTITION BY org_id ORDER BY dim, value) FROM (
      SELECT DISTINCT org_id, 1 AS dim, type AS value FROM audit_events
      UNION SELECT DISTINCT org_id, 2, project_id FROM audit_events WHERE project_id IS NOT NULL
      UNION SELECT DISTINCT org_id, 3, actor_email FROM audit_events WHERE actor_email IS NOT NULL
      UNION SELECT DISTINCT org_id, 4, resource_id FROM audit_events WHERE resource_id IS NOT NULL
    ) v;
  UPDATE organizations o SET audit_terms = t.n FROM (SELECT org_id, max(term_id) AS n FROM audit_terms GROUP BY org_id) t WHERE t.org_id = o.id;

  INSERT INTO audit_postings (org_id, term_id, effective_at, seq)
    SELECT e.org_id, t.term_id, e.effective_at, e.seq FROM audit_events e JOIN audit_terms t ON t.org_id = e.org_id AND t.dim = 1 AND t.value = e.type
    UNION ALL SELECT e.org_id, t.term_id, e.effective_at, e.seq FROM audit_events e JOIN audit_terms t ON t.org_id = e.org_id AND t.dim = 2 AND t.value = e.project_id
    UNION ALL SELECT e.org_id, t.term_id, e.effective_at, e.seq FROM audit_events e JOIN audit_terms t ON t.org_id = e.org_id AND t.dim = 3 AND t.value = e.actor_email
    UNION ALL SELECT e.org_id, t.term_id, e.effective_at, e.seq FROM audit_events e JOIN audit_terms t ON t.org_id = e.org_id AND t.dim = 4 AND t.value = e.resource_id;

  DROP INDEX audit_events_type;
  DROP INDEX audit_events_project;
  DROP INDEX audit_events_email;
  DROP INDEX audit_events_resource;
`;
