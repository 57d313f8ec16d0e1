/**
 * Migration 11 on SQLite (never edit after it lands): audit filter postings (issue 17, ADR 0007 step 1).
 * The four text filter indexes of audit_events (type, project, email, resource) become one b-tree of
 * integer keys: each organization's filter values are interned in audit_terms (dim: 1 type, 2 project,
 * 3 actor email, 4 resource id; term ids per organization from organizations.audit_terms), and
 * audit_postings holds (org, term, effective_at, seq) for every value an event carries. The upgrade
 * fills both from the existing columns, then drops the indexes.
 */
export const auditPostingsSqlSqlite = `
  ALTER TABLE organizations ADD COLUMN audit_terms INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE audit_terms (
    org_id   TEXT NOT NULL,
    dim      INTEGER NOT NULL,
    value    TEXT NOT NULL,
    term_id  INTEGER NOT NULL,
    PRIMARY KEY (org_id, dim, value)
  ) WITHOUT ROWID;
  CREATE TABLE audit_postings (
    org_id        TEXT NOT NULL,
    term_id       INTEGER NOT NULL,
    effective_at  INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (org_id, term_id, effective_at, seq)
  ) WITHOUT ROWID;

  INSERT INTO audit_terms (org_id, dim, value, term_id)
    SELECT org_id, dim, value, row_number() OVER (PARTITION BY org_id ORDER BY dim, value) FROM (
      SELECT DISTINCT org_id, 1 AS dim, type AS value FROM audit_events
      UNION SELECT DISTINCT org_id, 2, project_id FROM audit_events WHERE project_id IS NOT NULL
      UNION SELECT DISTINCT org_id, 3, actor_email FROM audit_events WHERE actor_email IS NOT NULL
      UNION SELECT DISTINCT org_id, 4, resource_id FROM audit_events WHERE resource_id IS NOT NULL
    );
  UPDATE organizations SET audit_terms = coalesce((SELECT max(term_id) FROM audit_terms WHERE org_id = organizations.id), 0);

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
