/**
 * Bulk inserts through COPY FROM STDIN (pg-copy-streams) in PostgreSQL's text format: the rows travel
 * as one stream, with no bind-parameter arrays to build in Node or to parse on the server. COPY routes
 * rows into partitions like INSERT does, and it runs inside the caller's transaction (and savepoint),
 * so a failed COPY is undone with the rest of the job.
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

export type CopyValue = string | number | boolean | null | undefined;

// Backslash, newline, carriage return and tab are the only characters the text format needs escaped.
const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const escapeText = (s: string) => (NEEDS_ESCAPE.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c] as string) : s);

function field(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return escapeText(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

/** One COPY text-format line per row, sent in chunks of about 256 KB. */
function* encode(rows: Iterable<readonly CopyValue[]>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    let line = '';
    for (let i = 0; i < row.length; i++) line += (i === 0 ? '' : '\t') + field(row[i]);
    chunk += `${line}\n`;
    if (chunk.length >= 262_144) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** COPY `rows` (values in `columns` order) into `table`; `table` and `columns` are trusted identifiers. */
export async function copyRows(client: pg.PoolClient, table: string, columns: readonly string[], rows: Iterable<readonly CopyValue[]>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(encode(rows), stream);
}
