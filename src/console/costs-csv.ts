/** The costs CSV: one row per day and group, exactly the amounts the API returned for the view. */
import { csvCell } from '../lib/csv-cell.js';
import type { Bucket } from './api.js';
import { utcDate } from './format.js';

export function costsCsv(buckets: Bucket[], group: 'project_id' | 'line_item'): string {
  const lines = [['date', 'start_time', 'end_time', group, 'amount', 'currency'].join(',')];
  for (const b of buckets) {
    for (const r of b.results) {
      const amount = r.amount as { value: number; currency: string } | undefined;
      const key = r[group];
      lines.push(
        [utcDate(b.start_time), b.start_time, b.end_time, key === null || key === undefined ? '' : String(key), amount?.value ?? 0, amount?.currency ?? 'usd']
          .map(csvCell)
          .join(','),
      );
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
