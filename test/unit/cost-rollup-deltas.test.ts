/**
 * costRollupDeltas folds a batch's cost lines into one delta per (day, cube, kept dimensions), each
 * cube keeping only its dimensions, sorted by key (both engines upsert in that order).
 */
import { describe, expect, it } from 'vitest';
import type { CostLine } from '../../src/features/usage/types.js';
import { COST_CUBES, costRollupDeltas, DAY } from '../../src/store/usage-rollup.js';

const line = (over: Partial<CostLine>): CostLine => ({
  createdAt: 3 * DAY + 100,
  projectId: 'proj_a',
  apiKeyId: 'key_1',
  userId: 'user_1',
  apiSource: 'api',
  lineItem: 'gpt-4o, input_tokens',
  quantity: 10,
  quantityUnit: 'tokens',
  amountNano: 1000,
  priceId: 'price_1',
  ...over,
});

describe('costRollupDeltas', () => {
  it('sums lines of the same key per cube and keeps only each cube’s dimensions', () => {
    const deltas = costRollupDeltas([
      line({}),
      line({ createdAt: 3 * DAY + 5000, apiKeyId: 'key_2', amountNano: 500, quantity: 4 }),
      line({ projectId: 'proj_b', amountNano: 7, quantity: 1 }),
    ]);
    // Cube 0 keeps the key: three groups; cube 1 keeps the project: two; cube 2 only the line item: one.
    expect(deltas.filter((d) => d.cube === 0)).toHaveLength(3);
    const cube1 = deltas.filter((d) => d.cube === 1);
    expect(cube1.map((d) => [d.projectId, d.amountNano, d.quantity])).toEqual([
      ['proj_a', 1500, 14],
      ['proj_b', 7, 1],
    ]);
    expect(cube1.every((d) => d.apiKeyId === null && d.userId === null && d.priceId === null && d.apiSource === 'api')).toBe(true);
    const [cube2] = deltas.filter((d) => d.cube === 2);
    expect(cube2).toMatchObject({
      grain: DAY,
      bucket: 3 * DAY,
      projectId: null,
      apiKeyId: null,
      userId: null,
      apiSource: null,
      priceId: null,
      lineItem: 'gpt-4o, input_tokens',
      quantityUnit: 'tokens',
      amountNano: 1507,
      quantity: 15,
    });
    expect(COST_CUBES).toHaveLength(3);
  });

  it('keeps days apart, treats a missing user or source as none, and returns deltas in key order', () => {
    const deltas = costRollupDeltas([
      line({ createdAt: 4 * DAY + 1, userId: undefined, apiSource: undefined }),
      line({ createdAt: 3 * DAY + 1, lineItem: 'gpt-4o, output_tokens' }),
      line({ createdAt: 3 * DAY + 2, userId: null, apiSource: null }),
    ]);
    const cube0 = deltas.filter((d) => d.cube === 0);
    expect(cube0.map((d) => [d.bucket, d.lineItem, d.userId])).toEqual([
      [3 * DAY, 'gpt-4o, input_tokens', null],
      [3 * DAY, 'gpt-4o, output_tokens', 'user_1'],
      [4 * DAY, 'gpt-4o, input_tokens', null],
    ]);
    // Key order: cube first, then bucket, then line item (the upsert order on both engines).
    expect(deltas.map((d) => d.cube)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(deltas.filter((d) => d.cube === 2).map((d) => [d.bucket, d.lineItem, d.amountNano])).toEqual([
      [3 * DAY, 'gpt-4o, input_tokens', 1000],
      [3 * DAY, 'gpt-4o, output_tokens', 1000],
      [4 * DAY, 'gpt-4o, input_tokens', 1000],
    ]);
  });
});
