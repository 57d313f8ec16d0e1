/**
 * Engine-neutral rollup maths: which "cubes" (sets of kept dimensions) each kind's hourly and daily
 * rollups keep, and the pre-merge of a batch's newly inserted records into rollup deltas. Every engine
 * upserts these deltas in the same transaction as the records, so rollups stay exact. Pre-merging
 * first means one upsert per (grain, cube, bucket, dims) per batch, sorted by key (concurrent writers
 * on PostgreSQL then lock rows in the same order).
 */

import type { CostSegmentQuery } from '../features/costs/types.js';
import { ALL_DIMENSIONS, type Dimension, LOW_CARDINALITY, type Measure, type UsageKind } from '../features/usage/kinds.js';
import type { CostLine, DimValue, DimValues, MeasureValues, UsageRecord } from '../features/usage/types.js';
import { COST_ROLLUP_KEY_V4 } from './usage-columns.js';

export const HOUR = 3600;
export const DAY = 86400;
export const GRAINS = [HOUR, DAY] as const;

/**
 * Cube 0 keeps every dimension of the kind; cube 1 drops the many-valued ids (user, key, vector
 * store); cube 2 keeps only project_id. A level kind keeps only cube 0 (collapsing series would sum
 * levels). Cubes are numbered once and for all (stored rows carry the number): a cube added later is
 * appended, and a migration fills it from an older one (projectModelBackfill).
 */
export function usageCubes(kind: UsageKind): Dimension[][] {
  const cubes = baseCubes(kind);
  const added = projectModelCube(kind, cubes);
  if (added) cubes.push(added);
  return cubes;
}

function baseCubes(kind: UsageKind): Dimension[][] {
  const cubes: Dimension[][] = [kind.dimensions];
  if (kind.levelMeasure) return cubes;
  const narrow = kind.dimensions.filter((d) => d === 'project_id' || d === 'model' || LOW_CARDINALITY.includes(d));
  for (const cube of [narrow, kind.dimensions.filter((d) => d === 'project_id')]) {
    const last = cubes[cubes.length - 1] as Dimension[];
    if (cube.length < last.length) cubes.push(cube);
  }
  return cubes;
}

/**
 * Cube 3 (migration 3): project_id and model alone, for kinds whose narrow cube still splits them by
 * tier, batch, size or source. "Daily by project and model" is the most common cost-dashboard
 * question; on completions it reads about 6x fewer rows than cube 1.
 */
function projectModelCube(kind: UsageKind, cubes: Dimension[][]): Dimension[] | null {
  if (kind.levelMeasure) return null;
  const cube = kind.dimensions.filter((d) => d === 'project_id' || d === 'model');
  if (cube.length !== 2 || cubes.some((c) => c.length === 2 && cube.every((d) => c.includes(d)))) return null;
  return cube;
}

/** The cube added by migration 3 per kind, and the older cube it is filled from. */
export function projectModelBackfill(kinds: UsageKind[]): { kind: string; cube: number; from: number; dims: Dimension[] }[] {
  return kinds.flatMap((kind) => {
    const base = baseCubes(kind);
    const cube = projectModelCube(kind, base);
    return cube ? [{ kind: kind.name, cube: base.length, from: cubeFor(base, cube), dims: cube }] : [];
  });
}

/** The smallest cube keeping every needed dimension (the first of equals). */
export function cubeFor(cubes: Dimension[][], needed: Dimension[]): number {
  let best = 0;
  cubes.forEach((cube, i) => {
    if (needed.every((d) => cube.includes(d)) && cube.length < (cubes[best] as Dimension[]).length) best = i;
  });
  return best;
}

export interface UsageRollupDelta {
  grain: number;
  cube: number;
  bucket: number;
  /** Every dimension; null where the record had none or the cube drops it. */
  dims: Record<Dimension, DimValue>;
  measures: MeasureValues;
  latestAt: number;
}

function mergeMeasures(into: MeasureValues, from: MeasureValues, measures: Measure[], level: Measure | undefined, fromAt: number, intoAt: number): void {
  for (const m of measures) {
    const v = from[m];
    if (v === undefined) continue;
    const cur = into[m];
    if (m === level) {
      // A level keeps the latest sample; equal times keep the larger value, so order never matters.
      if (cur === undefined || fromAt > intoAt || (fromAt === intoAt && v > cur)) into[m] = v;
    } else into[m] = cur === undefined ? v : cur + v;
  }
}

/**
 * The key part of a delta's dimensions: null is empty, a string is length-prefixed, so values
 * holding the separator can never make two groups collide.
 */
function dimKey(dims: DimValues, cube: readonly Dimension[]): string {
  let key = '';
  for (const d of cube) {
    const v = dims[d];
    key += v === null || v === undefined ? '|' : typeof v === 'string' ? `|${v.length}:${v}` : v ? '|t' : '|f';
  }
  return key;
}

function newDelta(grain: number, cube: number, bucket: number, from: DimValues, kept: readonly Dimension[], measures: Measure[], m: MeasureValues, at: number) {
  const dims = {} as Record<Dimension, DimValue>;
  for (const d of ALL_DIMENSIONS) dims[d] = null;
  for (const d of kept) dims[d] = from[d] ?? null;
  const own: MeasureValues = {};
  for (const name of measures) {
    const v = m[name];
    if (v !== undefined) own[name] = v;
  }
  return { grain, cube, bucket, dims, measures: own, latestAt: at };
}

/** Folds finer deltas (or records) into coarser ones: `grain` buckets keeping the `kept` dimensions. */
function fold(
  into: Map<string, UsageRollupDelta>,
  from: Iterable<{ createdAt?: number; latestAt?: number; bucket?: number; dims: DimValues; measures: MeasureValues }>,
  grain: number,
  cube: number,
  kept: readonly Dimension[],
  kind: UsageKind,
): void {
  for (const f of from) {
    const at = (f.latestAt ?? f.createdAt) as number;
    const t = f.bucket ?? at;
    const bucket = t - (t % grain);
    const key = `${bucket}${dimKey(f.dims, kept)}`;
    const found = into.get(key);
    if (found) {
      mergeMeasures(found.measures, f.measures, kind.measures, kind.levelMeasure, at, found.latestAt);
      if (at > found.latestAt) found.latestAt = at;
    } else into.set(key, newDelta(grain, cube, bucket, f.dims, kept, kind.measures, f.measures, at));
  }
}

/** Every map's values in key order, maps in the order given (their keys' prefixes already sort that way). */
function sortedByKey<T>(maps: Map<string, T>[]): T[] {
  const out: T[] = [];
  for (const map of maps) for (const k of [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) out.push(map.get(k) as T);
  return out;
}

/**
 * The batch's rollup deltas: one per (grain, cube, bucket, kept dimensions), sorted by key. Records
 * fold into hourly deltas of cube 0 first; every other cube folds from the narrowest earlier cube
 * holding all its dimensions, and days from hours, so per-record work is one key, whatever the
 * number of levels.
 */
export function usageRollupDeltas(kind: UsageKind, records: UsageRecord[]): UsageRollupDelta[] {
  const cubes = usageCubes(kind);
  const hourly = cubes.map(() => new Map<string, UsageRollupDelta>());
  const daily = cubes.map(() => new Map<string, UsageRollupDelta>());
  cubes.forEach((cube, c) => {
    const hours = hourly[c] as Map<string, UsageRollupDelta>;
    const source = c === 0 ? records : (hourly[cubeFor(cubes.slice(0, c), cube)] as Map<string, UsageRollupDelta>).values();
    fold(hours, source, HOUR, c, cube, kind);
    fold(daily[c] as Map<string, UsageRollupDelta>, hours.values(), DAY, c, cube, kind);
  });
  return sortedByKey([...hourly, ...daily]);
}

export type CostKeyDimension = 'project_id' | 'api_key_id' | 'line_item' | 'quantity_unit' | 'price_id' | 'user_id' | 'api_source';

/**
 * Cost cubes: 0 keeps everything (with the price id used, and since migration 4 the user and the
 * api_source), 1 project and line item (and api_source: two values), 2 line item. Rows written
 * before migration 4 hold '' for user and api_source: costs grouped by user show them as null.
 */
export const COST_CUBES: CostKeyDimension[][] = [
  ['project_id', 'api_key_id', 'line_item', 'quantity_unit', 'price_id', 'user_id', 'api_source'],
  ['project_id', 'line_item', 'quantity_unit', 'api_source'],
  ['line_item', 'quantity_unit'],
];

/** The smallest cost cube holding every dimension a cost query groups or filters by. */
export function costCubeFor(q: CostSegmentQuery): number {
  const needed: CostKeyDimension[] = [...q.groupBy, ...(Object.keys(q.filters) as CostKeyDimension[])];
  return cubeFor(COST_CUBES as unknown as Dimension[][], needed as unknown as Dimension[]);
}

export interface CostRollupDelta {
  grain: number;
  cube: number;
  bucket: number;
  projectId: string | null;
  apiKeyId: string | null;
  userId: string | null;
  apiSource: string | null;
  lineItem: string;
  quantityUnit: string | null;
  priceId: string | null;
  amountNano: number;
  quantity: number;
}

/** The cost-rollup upsert's parameters, in the column order both engines' statements use (COST_ROLLUP_COLUMNS). */
export function costRollupValues(orgId: string, d: CostRollupDelta): unknown[] {
  return [
    orgId,
    d.grain,
    d.cube,
    d.bucket,
    d.lineItem,
    d.projectId ?? '',
    d.apiKeyId ?? '',
    d.quantityUnit ?? '',
    d.priceId ?? '',
    d.userId ?? '',
    d.apiSource ?? '',
    d.amountNano,
    d.quantity,
  ];
}

/**
 * cost_rollups key columns, then the two sums: the order of costRollupValues. The live key is the one
 * migration 4 made; a migration that changes it freezes its own list in usage-columns.ts and points here.
 */
export const COST_ROLLUP_KEY: string[] = [...COST_ROLLUP_KEY_V4];
export const COST_ROLLUP_COLUMNS = [...COST_ROLLUP_KEY, 'amount_nano', 'quantity'];

export function costRollupDeltas(lines: CostLine[]): CostRollupDelta[] {
  const out = new Map<string, CostRollupDelta>();
  // Costs are served in 1d buckets only, so line items are kept per day (not per hour). The key is
  // built before any object: most lines of a batch fold into a delta that already exists.
  const grain = DAY;
  for (const l of lines) {
    const bucket = l.createdAt - (l.createdAt % grain);
    const userId = l.userId ?? null;
    const apiSource = l.apiSource ?? null;
    for (let cubeIndex = 0; cubeIndex < COST_CUBES.length; cubeIndex++) {
      const keep = COST_CUBE_KEEPS[cubeIndex] as CubeKeeps;
      const projectId = keep.project ? l.projectId : null;
      const apiKeyId = keep.apiKey ? l.apiKeyId : null;
      const user = keep.user ? userId : null;
      const source = keep.apiSource ? apiSource : null;
      const priceId = keep.price ? l.priceId : null;
      const key = `${grain}\u0001${cubeIndex}\u0001${bucket}\u0001${l.lineItem}\u0001${keyPart(projectId)}\u0001${keyPart(apiKeyId)}\u0001${keyPart(l.quantityUnit)}\u0001${keyPart(priceId)}\u0001${keyPart(user)}\u0001${keyPart(source)}`;
      const found = out.get(key);
      if (found) {
        found.amountNano += l.amountNano;
        found.quantity += l.quantity;
      } else
        out.set(key, {
          grain,
          cube: cubeIndex,
          bucket,
          projectId,
          apiKeyId,
          userId: user,
          apiSource: source,
          lineItem: l.lineItem,
          quantityUnit: l.quantityUnit,
          priceId,
          amountNano: l.amountNano,
          quantity: l.quantity,
        });
    }
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
}

/** A key part as Array.prototype.join wrote it (null and undefined as ''), so the sort order is unchanged. */
const keyPart = (v: string | null | undefined): string => v ?? '';

interface CubeKeeps {
  project: boolean;
  apiKey: boolean;
  user: boolean;
  apiSource: boolean;
  price: boolean;
}

const COST_CUBE_KEEPS: CubeKeeps[] = COST_CUBES.map((cube) => ({
  project: cube.includes('project_id'),
  apiKey: cube.includes('api_key_id'),
  user: cube.includes('user_id'),
  apiSource: cube.includes('api_source'),
  price: cube.includes('price_id'),
}));
