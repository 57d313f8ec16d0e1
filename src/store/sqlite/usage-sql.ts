/**
 * SQL of usage and cost reads. One statement per segment: rows of [from, to) from one source, put on
 * the query's bucket grid and grouped. Filters bind JSON arrays (json_each), so the statement text
 * depends only on the query's shape and the reader can cache it.
 */

import type { CostSegmentQuery } from '../../features/costs/types.js';
import { ALL_DIMENSIONS, type Dimension, type UsageKind } from '../../features/usage/kinds.js';
import type { DimValue, UsageSegmentQuery } from '../../features/usage/types.js';
import { costCubeFor, cubeFor, DAY, HOUR, usageCubes } from '../usage-rollup.js';

export interface Sql {
  sql: string;
  params: unknown[];
}

/** In rollups a missing dimension is '' (batch: -1), so it can sit in the primary key. */
export function toRollupValue(d: Dimension, v: DimValue): string | number {
  if (d === 'batch') return v === null ? -1 : v ? 1 : 0;
  return v === null ? '' : String(v);
}

function toRawValue(d: Dimension, v: DimValue): string | number | null {
  if (d === 'batch') return v === null ? null : v ? 1 : 0;
  return v === null ? null : String(v);
}

function filterSql(q: UsageSegmentQuery, rollup: boolean, params: unknown[]): string {
  let where = '';
  for (const [dim, values] of Object.entries(q.filters) as [Dimension, DimValue[]][]) {
    if (dim === 'batch' && values.length === 1) {
      where += ' AND batch = ?';
      params.push(rollup ? toRollupValue(dim, values[0] as DimValue) : toRawValue(dim, values[0] as DimValue));
      continue;
    }
    where += ` AND ${dim} IN (SELECT value FROM json_each(?))`;
    params.push(JSON.stringify(values.map((v) => (rollup ? toRollupValue(dim, v) : toRawValue(dim, v)))));
  }
  if (q.providers) {
    // Only raw records carry the provider (migration 9); the service never plans a rollup with it.
    if (rollup) throw new Error('a providers filter reads raw records only');
    where += ' AND provider IN (SELECT value FROM json_each(?))';
    params.push(JSON.stringify(q.providers));
  }
  return where;
}

/**
 * A grouped dimension's term. api_source is 'unlabeled' where a record did not say (NULL raw, ''
 * in rollups, and every row stored before migration 4), as OpenAI documents it: "unlabeled includes
 * all records without published source attribution, including historical and unknown origins".
 */
const groupTerm = (d: string) => (d === 'api_source' ? "coalesce(nullif(api_source, ''), 'unlabeled')" : d);
const selectTerms = (groupBy: readonly string[]) => groupBy.map((d) => (d === 'api_source' ? `${groupTerm(d)} AS ${d}` : d)).join(', ');

// % works on integers (a bound JS number may arrive as REAL, where / would not truncate).
const bucketExpr = (col: string) => `(${col} - ((${col} - ?) % ?))`;

/**
 * GROUP BY terms for a rollup read whose buckets are the rollup's own (width = grain): bucket, then
 * the dimensions in primary-key order, with the ones the cube drops (constant in it) filling gaps, so
 * the groups come straight off the index with no sort. Same groups: the added columns are constant.
 */
function indexOrderGroups(groupBy: Dimension[], cube: Dimension[]): string[] {
  const out = ['bucket'];
  const left = new Set(groupBy);
  for (const d of ALL_DIMENSIONS) {
    if (left.size === 0) break;
    if (left.delete(d) || !cube.includes(d)) out.push(d);
    else break;
  }
  return [...out, ...left].map(groupTerm);
}

/** Sums of the kind's measures per bucket and group (level kinds: see levelSql). */
export function usageSegmentSql(kind: UsageKind, q: UsageSegmentQuery): Sql {
  if (kind.levelMeasure) return levelSql(kind, q);
  const groups = q.groupBy.length ? `, ${selectTerms(q.groupBy)}` : '';
  const groupTerms = q.groupBy.length ? `, ${q.groupBy.map(groupTerm).join(', ')}` : '';
  const sums = kind.measures.map((m) => `sum(${m}) AS ${m}`).join(', ');
  if (q.source === 'raw') {
    const params: unknown[] = [q.origin, q.width, q.orgId, q.kind, q.from, q.to];
    const where = filterSql(q, false, params);
    const from = 'usage_records WHERE org_id = ? AND kind = ? AND created_at >= ? AND created_at < ?';
    return { sql: `SELECT ${bucketExpr('created_at')} AS b${groups}, ${sums} FROM ${from}${where} GROUP BY b${groupTerms}`, params };
  }
  const cubes = usageCubes(kind);
  const cube = cubeFor(cubes, [...q.groupBy, ...(Object.keys(q.filters) as Dimension[])]);
  const grain = q.source === '1d' ? DAY : HOUR;
  // The planner reads a rollup only on an origin aligned to its grain: with width = grain a bucket is its own group.
  const own = q.width === grain && q.origin % grain === 0;
  const params: unknown[] = own ? [] : [q.origin, q.width];
  params.push(q.orgId, q.kind, grain, cube, q.from, q.to);
  const where = filterSql(q, true, params);
  const from = 'usage_rollups WHERE org_id = ? AND kind = ? AND grain = ? AND cube = ? AND bucket >= ? AND bucket < ?';
  const select = `SELECT ${own ? 'bucket' : bucketExpr('bucket')} AS b${groups}, ${sums} FROM ${from}${where}`;
  const groupBy = own ? indexOrderGroups(q.groupBy, cubes[cube] as Dimension[]).join(', ') : `b${groupTerms}`;
  return { sql: `${select} GROUP BY ${groupBy}`, params };
}

/**
 * A level (vector_stores usage_bytes) per bucket and series: the sample with the latest time, the
 * larger value on equal times. SQLite returns the bare column of the row holding max(). The service
 * always groups level kinds by every dimension and sums series itself.
 */
function levelSql(kind: UsageKind, q: UsageSegmentQuery): Sql {
  const m = kind.levelMeasure as string;
  const params: unknown[] = [q.origin, q.width];
  const dims = kind.dimensions.join(', ');
  let inner: string;
  if (q.source === 'raw') {
    inner = `SELECT ${bucketExpr('created_at')} AS b, ${dims}, created_at AS at, max(${m}) AS v FROM usage_records
      WHERE org_id = ? AND kind = ? AND created_at >= ? AND created_at < ?`;
    params.push(q.orgId, q.kind, q.from, q.to);
    inner += `${filterSql(q, false, params)} GROUP BY b, ${dims}, created_at`;
  } else {
    inner = `SELECT ${bucketExpr('bucket')} AS b, ${dims}, latest_at AS at, ${m} AS v FROM usage_rollups
      WHERE org_id = ? AND kind = ? AND grain = ? AND cube = 0 AND bucket >= ? AND bucket < ?`;
    params.push(q.orgId, q.kind, q.source === '1d' ? DAY : HOUR, q.from, q.to);
    inner += filterSql(q, true, params);
  }
  return { sql: `SELECT b, ${dims}, max(at) AS latest_at, v AS ${m} FROM (${inner}) GROUP BY b, ${dims}`, params };
}

export function costSegmentSql(q: CostSegmentQuery): Sql {
  const cube = costCubeFor(q);
  const params: unknown[] = [q.origin, q.width, q.orgId, q.source === '1d' ? DAY : HOUR, cube, q.from, q.to];
  let where = '';
  for (const [dim, values] of Object.entries(q.filters) as [string, string[]][]) {
    where += ` AND ${dim} IN (SELECT value FROM json_each(?))`;
    params.push(JSON.stringify(values));
  }
  const groups = q.groupBy.length ? `, ${selectTerms(q.groupBy)}` : '';
  const groupTerms = q.groupBy.length ? `, ${q.groupBy.map(groupTerm).join(', ')}` : '';
  // One unit for the group, or null when its line items mix units.
  const unit = "CASE WHEN min(quantity_unit) = max(quantity_unit) AND min(quantity_unit) <> '' THEN min(quantity_unit) END";
  const sql = `SELECT ${bucketExpr('bucket')} AS b${groups}, sum(amount_nano) AS amount_nano, sum(quantity) AS quantity, ${unit} AS quantity_unit
    FROM cost_rollups WHERE org_id = ? AND grain = ? AND cube = ? AND bucket >= ? AND bucket < ?${where} GROUP BY b${groupTerms}`;
  return { sql, params };
}
