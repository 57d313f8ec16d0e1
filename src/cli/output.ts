/** Plain aligned tables for people, JSON for scripts. */

const HEADERS: Record<string, string> = {
  start_time: 'Start',
  end_time: 'End',
  input_tokens: 'Input tokens',
  output_tokens: 'Output tokens',
  input_cached_tokens: 'Cached input tokens',
  input_audio_tokens: 'Input audio tokens',
  output_audio_tokens: 'Output audio tokens',
  num_model_requests: 'Requests',
  usage_bytes: 'Usage',
  amount: 'Amount',
};

/** "input_tokens" -> "Input tokens" unless a better name is known. */
export function header(column: string): string {
  const known = HEADERS[column];
  if (known) return known;
  const words = column.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** C0, DEL and C1 controls shown as \xNN so a cell can never drive the terminal. */
export function escapeControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

export function formatMoney(value: number): string {
  return `${value < 0 ? '-' : ''}$${money.format(Math.abs(value))}`;
}

/** A cell's text and whether it is numeric (numbers are right-aligned). */
function cell(column: string, value: unknown): { text: string; numeric: boolean } {
  if (value === null || value === undefined) return { text: '', numeric: false };
  if (typeof value === 'number') {
    if (column === 'usage_bytes') return { text: formatBytes(value), numeric: true };
    if (column === 'amount') return { text: formatMoney(value), numeric: true };
    return { text: grouped.format(value), numeric: true };
  }
  return { text: escapeControls(String(value)), numeric: false };
}

/** How many leading columns fit in `width` characters (two spaces between columns); at least one. */
export function fittingColumns(widths: number[], width: number): number {
  let used = 0;
  for (let i = 0; i < widths.length; i++) {
    used += (i > 0 ? 2 : 0) + (widths[i] as number);
    if (used > width) return Math.max(1, i);
  }
  return widths.length;
}

export interface TableOptions {
  /** Terminal width to fit; undefined = no fitting (stdout is not a terminal). */
  width?: number;
  /** Told which columns were dropped to fit. */
  onDropped?: (columns: string[]) => void;
}

/** The terminal width when stdout is a TTY, with a stderr note naming what did not fit. */
export function terminalFit(): TableOptions {
  if (!process.stdout.isTTY || !process.stdout.columns) return {};
  return {
    width: process.stdout.columns,
    onDropped: (dropped) => process.stderr.write(`note: columns not shown to fit the terminal: ${dropped.join(', ')} (use --json to see all)\n`),
  };
}

export function table(rows: Record<string, unknown>[], columns: string[], options: TableOptions = terminalFit()): string {
  const cells = rows.map((r) => columns.map((c) => cell(c, r[c])));
  const heads = columns.map(header);
  const numeric = columns.map((_, i) => cells.some((row) => (row[i] as { numeric: boolean }).numeric));
  const widths = columns.map((_, i) => Math.max((heads[i] as string).length, ...cells.map((row) => (row[i] as { text: string }).text.length)));
  const keep = options.width === undefined ? columns.length : fittingColumns(widths, options.width);
  if (keep < columns.length) options.onDropped?.(columns.slice(keep));
  const line = (values: string[]) =>
    values
      .slice(0, keep)
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(heads), ...cells.map((row) => line(row.map((c) => c.text)))].join('\n');
}

/** One JSON object per line (NDJSON): every --json output can be read line by line. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

export function isoTime(seconds: number | null): string {
  return seconds === null ? '' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
