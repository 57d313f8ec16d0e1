/**
 * Scale-out readiness (issue 17): every PostgreSQL table can be distributed by organization on a
 * Citus-style cluster. A distributed table has an `org_id` column that every primary key and unique
 * index contains, and its foreign keys carry `org_id` too (none crosses organizations). The few
 * tables that cannot (global lookups such as authentication by secret hash) are reference tables,
 * named here and in docs/postgres.md. docs/postgres.md must list a `create_distributed_table` call
 * for every distributed table, so a new table cannot land without its line in the guide.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { engines } from './engines.js';

/** Tables replicated whole to every node (`create_reference_table`), and why. */
const REFERENCE_TABLES: Record<string, string> = {
  organizations: 'its key is the organization id itself; small',
  admin_keys: 'authentication finds a key by secret_hash before the organization is known',
  schema_migrations: 'one row per schema version, not per organization',
};

interface TableShape {
  table: string;
  columns: string[];
  uniques: { name: string; columns: string[] }[];
  foreignKeys: { name: string; columns: string[]; references: string; referencedColumns: string[] }[];
}

const pg = engines.find((e) => e.name === 'postgres');

describe.skipIf(!pg || pg.skip)('PostgreSQL tables are distributable by organization', () => {
  it('every primary key and unique index of a distributed table contains org_id; no foreign key crosses organizations', async () => {
    const opened = await (pg as NonNullable<typeof pg>).open();
    try {
      const shapes = await tableShapes(opened.sql);
      expect(shapes.length).toBeGreaterThan(5);
      const problems: string[] = [];
      for (const t of shapes) {
        if (t.table in REFERENCE_TABLES) continue;
        if (!t.columns.includes('org_id')) problems.push(`${t.table}: no org_id column`);
        for (const u of t.uniques) if (!u.columns.includes('org_id')) problems.push(`${t.table}: unique ${u.name} (${u.columns}) lacks org_id`);
        for (const fk of t.foreignKeys) {
          if (fk.references in REFERENCE_TABLES) continue;
          const i = fk.columns.indexOf('org_id');
          if (i < 0 || fk.referencedColumns[i] !== 'org_id') problems.push(`${t.table}: foreign key ${fk.name} does not pair org_id with org_id`);
        }
      }
      expect(problems).toEqual([]);

      const guide = readFileSync(new URL('../../docs/postgres.md', import.meta.url), 'utf8');
      const distributed = shapes.map((s) => s.table).filter((t) => !(t in REFERENCE_TABLES));
      const missing = distributed.filter((t) => !guide.includes(`create_distributed_table('${t}', 'org_id'`));
      const missingRef = Object.keys(REFERENCE_TABLES).filter((t) => !guide.includes(`create_reference_table('${t}')`));
      expect({ missing, missingRef }).toEqual({ missing: [], missingRef: [] });
    } finally {
      await opened.close();
    }
  });
});

/** Top-level tables (partitions follow their parent) with their unique indexes and foreign keys. */
async function tableShapes(sql: (text: string) => Promise<Record<string, unknown>[]>): Promise<TableShape[]> {
  const tables = (await sql(`
    SELECT c.oid::int AS oid, c.relname AS name FROM pg_class c
    WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY c.relname`)) as { oid: number; name: string }[];
  const shapes: TableShape[] = [];
  for (const { oid, name } of tables) {
    const columns = (await sql(`SELECT attname FROM pg_attribute WHERE attrelid = ${oid} AND attnum > 0 AND NOT attisdropped`)).map((r) => r.attname as string);
    const uniques = (
      (await sql(`
        SELECT i.relname AS name, array_agg(a.attname::text ORDER BY k.n) AS columns
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
        CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
        JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
        WHERE x.indrelid = ${oid} AND x.indisunique GROUP BY i.relname`)) as { name: string; columns: string[] }[]
    ).map((u) => ({ name: u.name, columns: u.columns }));
    const foreignKeys = (
      (await sql(`
        SELECT con.conname AS name, confrelid::regclass::text AS references,
          (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(con.conkey) WITH ORDINALITY k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns,
          (SELECT array_agg(a.attname::text ORDER BY k.n) FROM unnest(con.confkey) WITH ORDINALITY k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS referenced
        FROM pg_constraint con WHERE con.conrelid = ${oid} AND con.contype = 'f'`)) as {
        name: string;
        references: string;
        columns: string[];
        referenced: string[];
      }[]
    ).map((f) => ({ name: f.name, columns: f.columns, references: f.references.replace(/^.*\./, ''), referencedColumns: f.referenced }));
    shapes.push({ table: name, columns, uniques, foreignKeys });
  }
  return shapes;
}
