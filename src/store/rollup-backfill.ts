/**
 * Migration 3, the same SQL on both engines: fills the project_id + model cube (usage-rollup.ts,
 * projectModelCube) of every kind that gains one from the narrowest older cube holding both
 * dimensions, so stores written before the cube existed answer from it exactly. Sums stay NULL where
 * no row had the measure; dropped dimensions get the stored placeholder ('' or batch -1).
 */
import { usageKind } from '../features/usage/kinds.js';
import { DIMENSIONS_V2 as ALL_DIMENSIONS, MEASURES_V2 as ALL_MEASURES, KINDS_V2 } from './usage-columns.js';
import { projectModelBackfill } from './usage-rollup.js';

// The columns and kinds as they were when migration 3 landed (frozen: see usage-columns.ts).
export function projectModelCubeSql(): string {
  return projectModelBackfill(KINDS_V2.map(usageKind))
    .map(
      (b) => `
      INSERT INTO usage_rollups (org_id, kind, grain, cube, bucket, ${ALL_DIMENSIONS.join(', ')}, ${ALL_MEASURES.join(', ')}, latest_at)
      SELECT org_id, kind, grain, ${b.cube}, bucket,
        ${ALL_DIMENSIONS.map((d) => (b.dims.includes(d) ? d : d === 'batch' ? '-1' : "''")).join(', ')},
        ${ALL_MEASURES.map((m) => `CAST(sum(${m}) AS bigint)`).join(', ')}, max(latest_at)
      FROM usage_rollups WHERE kind = '${b.kind}' AND cube = ${b.from}
      GROUP BY org_id, kind, grain, bucket, ${b.dims.join(', ')};`,
    )
    .join('\n');
}
