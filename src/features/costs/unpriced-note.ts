/**
 * One line per (kind, model, tier) of usage the price table could not price, for the places an
 * operator looks at costs (the `costs` CLI, the `serve` banner): such usage is missing from every
 * cost figure, and saying nothing would make the totals look complete.
 */
import type { UnpricedUsage } from '../usage/types.js';

export const UNPRICED_HELP = 'add its price to a prices file (pricesFile / ORGLEDGER_PRICES_FILE; see docs/usage-and-costs.md, "Unpriced models")';

export function unpricedNotes(rows: readonly Pick<UnpricedUsage, 'kind' | 'model' | 'tier' | 'records'>[]): string[] {
  return rows.map((u) => {
    const n = u.records.toLocaleString('en-US');
    const what = u.model ? `model ${u.model} (${u.kind}, ${u.tier} tier)` : `${u.kind} (${u.tier} tier)`;
    return `${n} record${u.records === 1 ? '' : 's'} of ${what} ${u.records === 1 ? 'is' : 'are'} unpriced and not in the costs: ${UNPRICED_HELP}`;
  });
}
