/** Usage-log leaves rebuilt from stored rows (both engines' column names), for entries and `verify`. */
import { ALL_DIMENSIONS, ALL_MEASURES } from '../usage/kinds.js';
import { costEntryLeafData, usageLeafData } from './leaf-data.js';
import type { LedgerLeaf } from './store.js';

export type LeafRow = Record<string, unknown> & { leaf_index: number | string; kind: string; record_id: string; found_id: string | null };

/** Leaf data of a joined usage_records row; null when the record is gone. */
export function usageLeafFromRow(row: LeafRow): string | null {
  if (row.found_id === null || row.found_id === undefined) return null;
  if (row.kind === 'cost') {
    return costEntryLeafData({
      id: row.record_id,
      createdAt: Number(row.created_at),
      projectId: (row.project_id as string | null) ?? null,
      apiKeyId: (row.api_key_id as string | null) ?? null,
      lineItem: row.line_item as string,
      amountNano: Number(row.amount_nano),
      currency: row.currency as string,
      quantity: row.quantity === null || row.quantity === undefined ? null : Number(row.quantity),
      quantityUnit: (row.quantity_unit as string | null) ?? null,
    });
  }
  const dims: Record<string, unknown> = {};
  for (const d of ALL_DIMENSIONS) dims[d] = row[d];
  const measures: Record<string, unknown> = {};
  for (const m of ALL_MEASURES) measures[m] = row[m];
  const provider = (row.provider as string | null | undefined) ?? null;
  return usageLeafData(row.kind, {
    id: row.record_id,
    createdAt: Number(row.created_at),
    priceId: (row.price_id as string | null) ?? null,
    dims,
    measures,
    provider,
  });
}

/** Rows in leaf order; a row whose record is gone has no leaf (verify reports the gap). */
export function leavesOf(rows: LeafRow[]): LedgerLeaf[] {
  const out: LedgerLeaf[] = [];
  for (const r of rows) {
    const data = usageLeafFromRow(r);
    if (data !== null) out.push({ leafIndex: Number(r.leaf_index), recordId: r.record_id, data });
  }
  return out.sort((a, b) => a.leafIndex - b.leafIndex);
}

export const USAGE_LEAF_COLUMNS = [
  'r.id AS found_id',
  'r.created_at',
  'r.price_id',
  ...ALL_DIMENSIONS.map((d) => `r.${d}`),
  ...ALL_MEASURES.map((m) => `r.${m}`),
];
/**
 * The columns of a usage leaf read after migration 9 (verify, entries). Migration 6's backfill keeps
 * USAGE_LEAF_COLUMNS: it runs on stores that have no provider column yet, whose leaves carry none.
 */
export const USAGE_LEAF_COLUMNS_V9 = [...USAGE_LEAF_COLUMNS, 'r.provider'];
export const COST_LEAF_COLUMNS = [
  'c.id AS found_id',
  'c.created_at',
  'c.project_id',
  'c.api_key_id',
  'c.line_item',
  'c.amount_nano',
  'c.currency',
  'c.quantity',
  'c.quantity_unit',
];
