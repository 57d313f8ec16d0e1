/**
 * Migration 3, the same SQL on both engines: fills the project_id + model cube (usage-rollup.ts,
 * projectModelCube) of every kind that gains one from the narrowest older cube holding both
 * dimensions, so stores written before the cube existed answer from it exactly. Sums stay NULL where
 * no row had the measure; dropped dimensions get the stored placeholder ('' or batch -1).
 */
import { ALL_DIMENSIONS, ALL_MEASURES, usageKinds } from '../features/usage/kinds.js';
import { projectModelBackfill } from './usage-rollup.js';

export function projectModelCubeSql(): string {
  return projectModelBackfill([...usageKinds().values()])
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
