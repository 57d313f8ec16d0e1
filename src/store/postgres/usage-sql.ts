/**
 * SQL of usage and cost reads on PostgreSQL: the twin of sqlite/usage-sql.ts, giving the same rows.
 * One statement per segment: rows of [from, to) from one source, put on the query's bucket grid and
 * grouped. Filters bind arrays (= ANY), so the text depends only on the query's shape. Sums are cast
 * back to bigint (sum(bigint) is numeric, which pg would return as a string).
 */

import type { CostSegmentQuery } from '../../features/costs/types.js';
import type { Dimension, UsageKind } from '../../features/usage/kinds.js';
import type { DimValue, UsageSegmentQuery } from '../../features/usage/types.js';
import { costCubeFor, cubeFor, DAY, HOUR, usageCubes } from '../usage-rollup.js';

export interface PgSql {
  text: string;
  values: unknown[];
}

/** In rollups a missing dimension is '' (batch: -1), so it can sit in the primary key. */
export function toRollupValue(d: Dimension, v: DimValue): string | number {
  if (d === 'batch') return v === null ? -1 : v ? 1 : 0;
  return v === null ? '' : String(v);
}

/** In raw records a missing dimension is NULL; batch is 0/1. */
export function toRawValue(d: Dimension, v: DimValue | undefined): string | number | null {
  if (v === null || v === undefined) return null;
  if (d === 'batch') return v ? 1 : 0;
  return String(v);
}

class Params {
  readonly values: unknown[] = [];
  add(v: unknown, type: string): string {
    this.values.push(v);
    return `$${this.values.length}::${type}`;
  }
}

function filterSql(q: UsageSegmentQuery, rollup: boolean, p: Params): string {
  let where = '';
  for (const [dim, values] of Object.entries(q.filters) as [Dimension, DimValue[]][]) {
    const mapped = values.map((v) => (rollup ? toRollupValue(dim, v) : toRawValue(dim, v)));
    // NULL never equals anything, as SQLite's IN (json_each) never matches a JSON null.
    where += ` AND ${dim} = ANY(${p.add(mapped, dim === 'batch' ? 'smallint[]' : 'text[]')})`;
  }
  if (q.providers) {
    // Only raw records carry the provider (migration 9); the service never plans a rollup with it.
    if (rollup) throw new Error('a providers filter reads raw records only');
    where += ` AND provider = ANY(${p.add(q.providers, 'text[]')})`;
  }
  return where;
}

/**
 * A grouped dimension's term. api_source is 'unlabeled' where a record did not say (NULL raw, ''
 * in rollups, and every row stored before migration 4), as OpenAI documents it (see sqlite/usage-sql.ts).
 */
const groupTerm = (d: string) => (d === 'api_source' ? "coalesce(nullif(api_source, ''), 'unlabeled')" : d);
const selectTerms = (groupBy: readonly string[]) => groupBy.map((d) => (d === 'api_source' ? `${groupTerm(d)} AS ${d}` : d)).join(', ');
const groupTerms = (groupBy: readonly string[]) => (groupBy.length ? `, ${groupBy.map(groupTerm).join(', ')}` : '');

/** The start of a value's bucket on the query's grid. */
function grid(col: string, q: { origin: number; width: number }, p: Params): string {
  const origin = p.add(q.origin, 'bigint');
  return `(${col} - ((${col} - ${origin}) % ${p.add(q.width, 'bigint')}))`;
}

/** Sums of the kind's measures per bucket and group (level kinds: see levelSql). */
export function usageSegmentSql(kind: UsageKind, q: UsageSegmentQuery): PgSql {
  if (kind.levelMeasure) return levelSql(kind, q);
  const p = new Params();
  const raw = q.source === 'raw';
  const b = grid(raw ? 'created_at' : 'bucket', q, p);
  const groups = q.groupBy.length ? `, ${selectTerms(q.groupBy)}` : '';
  const sums = kind.measures.map((m) => `sum(${m})::bigint AS ${m}`).join(', ');
  let from: string;
  if (raw) {
    from = `usage_records WHERE org_id = ${p.add(q.orgId, 'text')} AND kind = ${p.add(q.kind, 'text')}
      AND created_at >= ${p.add(q.from, 'bigint')} AND created_at < ${p.add(q.to, 'bigint')}`;
  } else {
    const cube = cubeFor(usageCubes(kind), [...q.groupBy, ...(Object.keys(q.filters) as Dimension[])]);
    from = `usage_rollups WHERE org_id = ${p.add(q.orgId, 'text')} AND kind = ${p.add(q.kind, 'text')}
      AND grain = ${p.add(q.source === '1d' ? DAY : HOUR, 'integer')} AND cube = ${p.add(cube, 'smallint')}
      AND bucket >= ${p.add(q.from, 'bigint')} AND bucket < ${p.add(q.to, 'bigint')}`;
  }
  const where = filterSql(q, !raw, p);
  return { text: `SELECT ${b} AS b${groups}, ${sums} FROM ${from}${where} GROUP BY 1${groupTerms(q.groupBy)}`, values: p.values };
}

/**
 * A level (vector_stores usage_bytes) per bucket and series: the sample with the latest time, the
 * larger value on equal times (DISTINCT ON, where SQLite uses the bare column of max()).
 */
function levelSql(kind: UsageKind, q: UsageSegmentQuery): PgSql {
  const m = kind.levelMeasure as string;
  const p = new Params();
  const dims = kind.dimensions.join(', ');
  let inner: string;
  if (q.source === 'raw') {
    const b = grid('created_at', q, p);
    inner = `SELECT ${b} AS b, ${dims}, created_at AS at, max(${m}) AS v FROM usage_records
      WHERE org_id = ${p.add(q.orgId, 'text')} AND kind = ${p.add(q.kind, 'text')}
      AND created_at >= ${p.add(q.from, 'bigint')} AND created_at < ${p.add(q.to, 'bigint')}`;
    inner += `${filterSql(q, false, p)} GROUP BY 1, ${dims}, created_at`;
  } else {
    const b = grid('bucket', q, p);
    inner = `SELECT ${b} AS b, ${dims}, latest_at AS at, ${m} AS v FROM usage_rollups
      WHERE org_id = ${p.add(q.orgId, 'text')} AND kind = ${p.add(q.kind, 'text')}
      AND grain = ${p.add(q.source === '1d' ? DAY : HOUR, 'integer')} AND cube = 0
      AND bucket >= ${p.add(q.from, 'bigint')} AND bucket < ${p.add(q.to, 'bigint')}`;
    inner += filterSql(q, true, p);
  }
  return {
    text: `SELECT DISTINCT ON (b, ${dims}) b, ${dims}, at AS latest_at, v AS ${m} FROM (${inner}) s
      ORDER BY b, ${dims}, at DESC, v DESC NULLS LAST`,
    values: p.values,
  };
}

export function costSegmentSql(q: CostSegmentQuery): PgSql {
  const cube = costCubeFor(q);
  const p = new Params();
  const b = grid('bucket', q, p);
  let where = `org_id = ${p.add(q.orgId, 'text')} AND grain = ${p.add(q.source === '1d' ? DAY : HOUR, 'integer')}
    AND cube = ${p.add(cube, 'smallint')} AND bucket >= ${p.add(q.from, 'bigint')} AND bucket < ${p.add(q.to, 'bigint')}`;
  for (const [dim, values] of Object.entries(q.filters) as [string, string[]][]) where += ` AND ${dim} = ANY(${p.add(values, 'text[]')})`;
  const groups = q.groupBy.length ? `, ${selectTerms(q.groupBy)}` : '';
  // One unit for the group, or null when its line items mix units.
  const unit = "CASE WHEN min(quantity_unit) = max(quantity_unit) AND min(quantity_unit) <> '' THEN min(quantity_unit) END";
  const text = `SELECT ${b} AS b${groups}, sum(amount_nano)::bigint AS amount_nano, sum(quantity) AS quantity, ${unit} AS quantity_unit
    FROM cost_rollups WHERE ${where} GROUP BY 1${groupTerms(q.groupBy)}`;
  return { text, values: p.values };
}
