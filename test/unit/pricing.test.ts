import { describe, expect, it } from 'vitest';
import { mulDivRound, priceKeyOf, tierOf } from '../../src/features/usage/price-usage.js';

describe('pricing arithmetic', () => {
  it('mulDivRound rounds half up, exactly, beyond 2^53 too', () => {
    expect(mulDivRound(1, 1, 2)).toBe(1);
    expect(mulDivRound(1, 1, 3)).toBe(0);
    expect(mulDivRound(5, 3, 10)).toBe(2);
    expect(mulDivRound(7, 1, 2)).toBe(4);
    // The products pass 2^53 on the way: the BigInt path keeps them exact.
    expect(mulDivRound(2 ** 52 + 1, 4, 4)).toBe(2 ** 52 + 1);
    expect(mulDivRound(3_000_000_000, 3_000_000_000, 1_000_000_000)).toBe(9_000_000_000);
  });

  it('tierOf: batch before service tier, unknown tiers are default', () => {
    expect(tierOf({ batch: true, service_tier: 'flex' })).toBe('batch');
    expect(tierOf({ service_tier: 'flex' })).toBe('flex');
    expect(tierOf({ service_tier: 'priority' })).toBe('priority');
    expect(tierOf({ service_tier: 'scale' })).toBe('default');
    expect(tierOf({})).toBe('default');
  });

  it('priceKeyOf: tool kinds by their name, model kinds by model, none without a model', () => {
    expect(priceKeyOf('file_search_calls', {})).toBe('file_search_calls');
    expect(priceKeyOf('completions', { model: 'gpt-4o' })).toBe('gpt-4o');
    expect(priceKeyOf('completions', {})).toBeNull();
  });
});
