/**
 * Costs by line item over the range: quantity, unit, amount and the unit price they imply, with a
 * CSV of exactly these rows. Quantities come from the API (group_by line_item carries them).
 */
import type { Bucket } from '../api.js';
import { formatInt, formatUsd } from '../format.js';

export interface LineItemRow {
  lineItem: string;
  quantity: number | null;
  unit: string | null;
  amount: number;
}

export function lineItemRows(buckets: Bucket[]): LineItemRow[] {
  const rows = new Map<string, LineItemRow>();
  for (const b of buckets) {
    for (const r of b.results) {
      const key = String(r.line_item ?? '(none)');
      const row = rows.get(key) ?? { lineItem: key, quantity: null, unit: (r.quantity_unit as string | null) ?? null, amount: 0 };
      row.amount += (r.amount as { value?: number } | undefined)?.value ?? 0;
      if (typeof r.quantity === 'number') row.quantity = (row.quantity ?? 0) + r.quantity;
      if (row.unit !== ((r.quantity_unit as string | null) ?? null)) row.unit = row.unit ?? (r.quantity_unit as string | null) ?? null;
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.amount - a.amount || a.lineItem.localeCompare(b.lineItem));
}

/** USD per unit, per million for token-like units (the way prices are quoted). */
export function unitPrice(row: LineItemRow): string {
  if (!row.quantity) return '—';
  const per = row.quantity >= 1000 && /token/i.test(row.unit ?? '') ? 1_000_000 : 1;
  const value = (row.amount / row.quantity) * per;
  const text = value.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumSignificantDigits: 4 });
  return per === 1 ? `${text} / ${row.unit ?? 'unit'}` : `${text} / 1M ${row.unit}`;
}

function cell(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function lineItemsCsv(rows: LineItemRow[]): string {
  const lines = ['line_item,quantity,quantity_unit,amount,currency'];
  for (const r of rows) lines.push([r.lineItem, r.quantity ?? '', r.unit ?? '', r.amount, 'usd'].map(cell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function LineItemsTable({ rows, onDownload }: { rows: LineItemRow[]; onDownload: () => void }) {
  return (
    <section class="card" aria-labelledby="line-items-title">
      <div class="card-head">
        <h2 id="line-items-title">By line item: quantities and unit prices</h2>
        <button type="button" onClick={onDownload} disabled={rows.length === 0}>
          Download line items CSV
        </button>
      </div>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling table must be reachable by keyboard to scroll it. */}
      <section class="table-wrap scroll-x" aria-label="Line items (table)" tabIndex={0}>
        <table class="line-items" data-testid="line-items">
          <thead>
            <tr>
              <th scope="col">Line item</th>
              <th scope="col" class="num">
                Quantity
              </th>
              <th scope="col">Unit</th>
              <th scope="col" class="num">
                Unit price
              </th>
              <th scope="col" class="num">
                Amount
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.lineItem} data-line-item={r.lineItem}>
                <th scope="row">{r.lineItem}</th>
                <td class="num">{r.quantity === null ? '—' : formatInt(Math.round(r.quantity))}</td>
                <td>{r.unit ?? ''}</td>
                <td class="num">{unitPrice(r)}</td>
                <td class="num">{formatUsd(r.amount)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </section>
  );
}
