/**
 * One CSV cell (RFC 4180) that a spreadsheet will not run: text starting with =, +, -, @, tab or CR
 * is prefixed with a single quote (OWASP's CSV-injection advice), NUL bytes are dropped. Numbers are
 * written as they are, so a credit (-1.5) stays a number. Pure: the console's CSV download uses it too.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  let text = (typeof value === 'object' ? JSON.stringify(value) : String(value)).replaceAll('\u0000', '');
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
