/**
 * Leaf data: the canonical bytes (RFC 8785 JCS; canonicalJson sorts keys by UTF-16 code unit and
 * prints numbers as ECMAScript does, which is JCS for the values orgledger stores) of each record.
 * Audit: the event exactly as served (its stored body). Usage: the stored record with its
 * server-assigned fields. The same functions build leaves at insert time and again in `verify`.
 */
import { canonicalJson } from '../../lib/canonical-json.js';
import type { CostEntry } from '../costs/types.js';
import { ALL_DIMENSIONS, ALL_MEASURES } from '../usage/kinds.js';

export const LOG_NAMES = ['audit', 'usage'] as const;
export type LogName = (typeof LOG_NAMES)[number];

export const auditLeafData = (body: string): string => canonicalJson(JSON.parse(body));

/** A usage record, from the domain type or a row (SQLite stores batch as 0/1, PostgreSQL as smallint). */
export interface UsageLeafSource {
  id: string;
  createdAt: number;
  priceId: string | null;
  dims: Readonly<Record<string, unknown>>;
  measures: Readonly<Record<string, unknown>>;
  /** Migration 9; absent or null leaves the leaf as it was before (every older leaf stays valid). */
  provider?: string | null;
}

export function usageLeafData(kind: string, r: UsageLeafSource): string {
  const out: Record<string, unknown> = { object: 'ledger.usage_record', kind, id: r.id, created_at: r.createdAt, price_id: r.priceId };
  for (const d of ALL_DIMENSIONS) {
    const v = r.dims[d];
    if (v !== undefined && v !== null) out[d] = d === 'batch' ? v === true || v === 1 || v === '1' : v;
  }
  for (const m of ALL_MEASURES) {
    const v = r.measures[m];
    if (v !== undefined && v !== null) out[m] = Number(v);
  }
  if (r.provider !== undefined && r.provider !== null) out.provider = r.provider;
  return canonicalJson(out);
}

export const costEntryLeafData = (e: Omit<CostEntry, 'contentHash'>): string =>
  canonicalJson({
    object: 'ledger.cost_entry',
    id: e.id,
    created_at: e.createdAt,
    project_id: e.projectId,
    api_key_id: e.apiKeyId,
    line_item: e.lineItem,
    amount_nano: Number(e.amountNano),
    currency: e.currency,
    quantity: e.quantity === null ? null : Number(e.quantity),
    quantity_unit: e.quantityUnit,
  });

/** A usage-log leaf's record: a usage record (kind = its usage kind) or an explicit cost entry (kind = 'cost'). */
export interface UsageLeafRef {
  leafIndex: number;
  kind: string;
  recordId: string;
  createdAt: number;
}
