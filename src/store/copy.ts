/**
 * Copying a whole store into another, of either engine (`orgledger copy`). Both engines keep the same
 * logical tables with the same column names; each engine implements CopyEndpoint (sqlite/copy.ts,
 * postgres/copy.ts) to read pages of a table in primary-key order and write them back, deriving its
 * own side tables (PostgreSQL's audit_event_ids and usage_record_ids) as it writes.
 *
 * Resumable: every page is written in one destination transaction, in key order, so the destination
 * always holds a prefix of each source table. A new run checks that prefix (count and a sum of the
 * values that can change, up to the destination's last key) and continues after it; writes are
 * idempotent anyway (insert-or-ignore for immutable rows, overwrite with the source's values for
 * counters and rollups, never adding), so copying a page twice changes nothing. A destination holding
 * rows the source does not have is refused.
 */
import { ALL_DIMENSIONS, ALL_MEASURES } from '../features/usage/kinds.js';
import { LOG_STREAM_COLUMNS } from './log-stream-sql.js';
import { AUDIT_EVENT_COLUMNS, COST_ENTRY_COLUMNS } from './rows.js';
import type { EngineName } from './store.js';
import { COST_ROLLUP_COLUMNS, COST_ROLLUP_KEY } from './usage-rollup.js';

/** A row as one value per column of its entity, in column order; booleans are JS booleans. */
export type CopyRow = unknown[];

export interface CopyEntity {
  /** The table, the same name on both engines. */
  table: string;
  columns: readonly string[];
  /** The primary key, the order pages are read in. */
  key: readonly string[];
  /** The organization column (leads every key). */
  org: string;
  /** insert: immutable rows, an existing key is left alone. overwrite: the row takes the source's values. */
  mode: 'insert' | 'overwrite';
  /** Columns that must match for a destination row to be the source's row of that key. */
  identity: readonly string[];
  /** Columns summed by the check (nulls as 0): catches changed values where counts agree. */
  sum: readonly string[];
  /** Columns that are booleans (SQLite stores 0/1). */
  booleans: readonly string[];
}

const entity = (e: Omit<CopyEntity, 'org' | 'booleans' | 'identity'> & Partial<Pick<CopyEntity, 'org' | 'booleans' | 'identity'>>): CopyEntity => ({
  org: 'org_id',
  booleans: [],
  identity: e.mode === 'insert' ? e.columns : e.key,
  ...e,
});

const DIMS_AND_MEASURES = [...ALL_DIMENSIONS, ...ALL_MEASURES];

/** Every table of the schema (both engines' migrations), in the order they are copied (organizations first: keys refer to them). */
export const COPY_ENTITIES: readonly CopyEntity[] = [
  entity({
    table: 'organizations',
    columns: ['id', 'name', 'created_at', 'audit_seq'],
    key: ['id'],
    org: 'id',
    mode: 'overwrite',
    identity: ['id', 'created_at'],
    sum: ['audit_seq'],
  }),
  entity({
    table: 'admin_keys',
    columns: ['org_id', 'id', 'name', 'secret_hash', 'redacted_value', 'created_at', 'expires_at', 'last_used_at', 'revoked_at', 'scopes', 'owner'],
    key: ['org_id', 'id'],
    mode: 'overwrite',
    identity: ['org_id', 'id', 'secret_hash', 'created_at'],
    sum: ['expires_at', 'last_used_at', 'revoked_at'],
  }),
  entity({
    table: 'audit_events',
    columns: AUDIT_EVENT_COLUMNS,
    // Unique on both engines and the PostgreSQL primary key (its partitions are by effective_at).
    key: ['org_id', 'tenant', 'effective_at', 'seq'],
    mode: 'insert',
    sum: ['seq'],
    booleans: ['tenant'],
  }),
  entity({
    table: 'audit_event_actors',
    columns: ['org_id', 'actor_id', 'effective_at', 'seq'],
    key: ['org_id', 'actor_id', 'effective_at', 'seq'],
    mode: 'insert',
    sum: ['seq'],
  }),
  entity({
    table: 'usage_records',
    columns: ['org_id', 'kind', 'created_at', 'id', ...DIMS_AND_MEASURES, 'price_id', 'content_hash', 'ingested_by', 'request_id', 'ingested_at', 'provider'],
    key: ['org_id', 'kind', 'created_at', 'id'],
    mode: 'insert',
    sum: ['created_at'],
  }),
  entity({
    table: 'usage_rollups',
    columns: ['org_id', 'kind', 'grain', 'cube', 'bucket', ...DIMS_AND_MEASURES, 'latest_at'],
    key: ['org_id', 'kind', 'grain', 'cube', 'bucket', ...ALL_DIMENSIONS],
    mode: 'overwrite',
    sum: [...ALL_MEASURES, 'latest_at'],
  }),
  entity({
    table: 'cost_entries',
    columns: [...COST_ENTRY_COLUMNS, 'ingested_by', 'request_id', 'ingested_at'],
    key: ['org_id', 'id'],
    mode: 'insert',
    sum: ['amount_nano'],
  }),
  entity({
    table: 'cost_rollups',
    columns: COST_ROLLUP_COLUMNS,
    key: COST_ROLLUP_KEY,
    mode: 'overwrite',
    sum: ['amount_nano'],
  }),
  entity({
    table: 'sync_cursors',
    columns: ['org_id', 'stream', 'position', 'last_run_at', 'last_error', 'records'],
    key: ['org_id', 'stream'],
    mode: 'overwrite',
    sum: ['position', 'records'],
  }),
  entity({
    table: 'unpriced_usage',
    columns: ['org_id', 'kind', 'model', 'tier', 'first_at', 'last_at', 'records'],
    key: ['org_id', 'kind', 'model', 'tier'],
    mode: 'overwrite',
    sum: ['first_at', 'last_at', 'records'],
  }),
  entity({
    table: 'log_streams',
    columns: [
      ...LOG_STREAM_COLUMNS,
      'delivered',
      'failed',
      'retried',
      'attempts',
      'status',
      'last_error',
      'last_error_at',
      'last_delivered_at',
      'lease_owner',
      'lease_expires_at',
    ],
    key: ['org_id', 'id'],
    mode: 'overwrite',
    identity: ['org_id', 'id', 'created_at'],
    sum: ['audit_cursor', 'usage_cursor'],
  }),
  entity({ table: 'usage_journal', columns: ['org_id', 'seq', 'kind', 'id', 'ingested_at'], key: ['org_id', 'seq'], mode: 'insert', sum: ['seq'] }),
  entity({ table: 'usage_journal_heads', columns: ['org_id', 'seq'], key: ['org_id'], mode: 'overwrite', sum: ['seq'] }),
  // The ledger (migration 6): its hashes and checkpoints move as they are, so the copy's logs and
  // every checkpoint signed before it still verify.
  entity({ table: 'ledger_logs', columns: ['org_id', 'log', 'size'], key: ['org_id', 'log'], mode: 'overwrite', sum: ['size'] }),
  entity({ table: 'ledger_hashes', columns: ['org_id', 'log', 'idx', 'hash'], key: ['org_id', 'log', 'idx'], mode: 'insert', sum: ['idx'] }),
  entity({
    table: 'ledger_usage_leaves',
    columns: ['org_id', 'leaf_index', 'kind', 'record_id', 'created_at'],
    key: ['org_id', 'leaf_index'],
    mode: 'insert',
    sum: ['leaf_index'],
  }),
  entity({
    table: 'ledger_checkpoints',
    columns: ['org_id', 'log', 'tree_size', 'root_hash', 'signed_at', 'note'],
    key: ['org_id', 'log', 'tree_size'],
    mode: 'insert',
    sum: ['tree_size'],
  }),
  // Retention (migration 10): the policies, and the signed prune records that tell pruned leaves
  // from deleted ones in the copy too.
  entity({ table: 'retention_policies', columns: ['org_id', 'log', 'seconds', 'updated_at'], key: ['org_id', 'log'], mode: 'overwrite', sum: ['seconds'] }),
  entity({
    table: 'ledger_prunes',
    columns: ['org_id', 'log', 'pruned_size', 'pruned_at', 'note'],
    key: ['org_id', 'log', 'pruned_size'],
    mode: 'insert',
    sum: ['pruned_size'],
  }),
];

/** Rows and the sum of the entity's sum columns, of one organization (sum as a decimal string: it may pass 2^53). */
export interface Digest {
  rows: number;
  sum: string;
}

export interface CopyEndpoint {
  readonly engine: EngineName;
  /** Where it is, for messages (a path, or a URL without its password). */
  readonly where: string;
  /** Up to `limit` rows in key order after `after` (from the first row when null; from `after` itself when inclusive). */
  readPage(e: CopyEntity, after: CopyRow | null, limit: number, inclusive?: boolean): Promise<CopyRow[]>;
  /** The row with the largest key, or null when the table is empty. */
  lastRow(e: CopyEntity): Promise<CopyRow | null>;
  /** Per organization: rows and sum, of the rows whose key is at most `upTo`'s (all rows when null). */
  digest(e: CopyEntity, upTo: CopyRow | null): Promise<Map<string, Digest>>;
  /** Writes the rows in one transaction: insert-or-ignore or overwrite by key (e.mode), with the engine's side tables. */
  writePage(e: CopyEntity, rows: CopyRow[]): Promise<void>;
  /** Makes everything written durable (the copy may write with relaxed durability, being resumable). */
  finish(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown when the destination holds rows that did not come from this source. */
export class ForeignDataError extends Error {
  override name = 'ForeignDataError';
}

export const keyOf = (e: CopyEntity, row: CopyRow): unknown[] => e.key.map((k) => row[e.columns.indexOf(k)]);

const col = (e: CopyEntity, row: CopyRow, name: string) => row[e.columns.indexOf(name)];

function total(d: Map<string, Digest>): Digest {
  let rows = 0;
  let sum = 0n;
  for (const v of d.values()) {
    rows += v.rows;
    sum += BigInt(v.sum);
  }
  return { rows, sum: String(sum) };
}

const sameValue = (a: unknown, b: unknown) => a === b || (typeof a === 'number' && typeof b === 'number' && Object.is(a, b));

export interface CopyEvents {
  /** An entity starts: `done` rows already in the destination of `total` in the source. */
  start?(e: CopyEntity, done: number, total: number): void;
  progress?(e: CopyEntity, done: number, total: number): void;
  end?(e: CopyEntity, copied: number): void;
  /** Something worth a line on stderr (an entity copied again from its start). */
  note?(message: string): void;
  /** After each committed page (tests stop the copy here to check resumption). */
  afterPage?(pages: number): void;
}

export interface CopyReport {
  /** Rows written per table by this run. */
  copied: Record<string, number>;
}

/** Organizations of the destination must be the source's (same id, same creation time). */
async function checkOrganizations(from: CopyEndpoint, to: CopyEndpoint): Promise<void> {
  const e = COPY_ENTITIES[0] as CopyEntity;
  const all = async (ep: CopyEndpoint) => {
    const out: CopyRow[] = [];
    for (let page = await ep.readPage(e, null, 1000); page.length > 0; page = await ep.readPage(e, page[page.length - 1] as CopyRow, 1000)) out.push(...page);
    return out;
  };
  const source = new Map((await all(from)).map((r) => [col(e, r, 'id'), r]));
  for (const r of await all(to)) {
    const s = source.get(col(e, r, 'id'));
    if (!s) throw new ForeignDataError(`the destination has organization ${col(e, r, 'id')}, which the source does not have`);
    if (col(e, s, 'created_at') !== col(e, r, 'created_at')) {
      throw new ForeignDataError(
        `the destination's organization ${col(e, r, 'id')} was created at ${col(e, r, 'created_at')}, the source's at ${col(e, s, 'created_at')}: another store's`,
      );
    }
  }
}

/**
 * Where to start copying an entity: after the destination's last row when the destination holds
 * exactly the source's rows up to it, from the start when the source changed behind it (idempotent
 * writes make that safe), and a ForeignDataError when the destination holds rows the source lacks.
 */
async function resumePoint(from: CopyEndpoint, to: CopyEndpoint, e: CopyEntity, note: (m: string) => void): Promise<{ after: CopyRow | null; done: number }> {
  const last = await to.lastRow(e);
  if (!last) return { after: null, done: 0 };
  const [mine, theirs] = [total(await to.digest(e, last)), total(await from.digest(e, last))];
  const [sourceRow] = await from.readPage(e, last, 1, true);
  const same = sourceRow !== undefined && e.identity.every((c) => sameValue(col(e, sourceRow, c), col(e, last, c)));
  if (!same || mine.rows > theirs.rows || (e.mode === 'insert' && mine.rows === theirs.rows && mine.sum !== theirs.sum)) {
    throw new ForeignDataError(
      `the destination's ${e.table} holds ${mine.rows} rows up to key (${keyOf(e, last).join(', ')}), the source ${theirs.rows}${same ? '' : ' and not that row'}`,
    );
  }
  if (mine.rows === theirs.rows && mine.sum === theirs.sum) return { after: last, done: mine.rows };
  note(`${e.table}: the source changed behind the previous copy; copying it again from the start`);
  return { after: null, done: 0 };
}

export interface CopyOptions {
  batchSize: number;
  events?: CopyEvents;
}

/** Copies every entity, resuming where a previous run stopped. */
export async function copyStore(from: CopyEndpoint, to: CopyEndpoint, { batchSize, events = {} }: CopyOptions): Promise<CopyReport> {
  const note = events.note ?? (() => undefined);
  await checkOrganizations(from, to);
  const report: CopyReport = { copied: {} };
  let pages = 0;
  for (const e of COPY_ENTITIES) {
    const sourceRows = total(await from.digest(e, null)).rows;
    let { after, done } = await resumePoint(from, to, e, note);
    let copied = 0;
    events.start?.(e, done, sourceRows);
    // Reading the next page while the previous one is written keeps both engines busy.
    let next = from.readPage(e, after, batchSize);
    for (;;) {
      const page = await next;
      if (page.length === 0) break;
      after = page[page.length - 1] as CopyRow;
      next = from.readPage(e, after, batchSize);
      next.catch(() => undefined);
      await to.writePage(e, page);
      copied += page.length;
      done += page.length;
      events.progress?.(e, done, Math.max(sourceRows, done));
      events.afterPage?.(++pages);
    }
    report.copied[e.table] = copied;
    events.end?.(e, copied);
  }
  await to.finish();
  return report;
}

export interface CheckRow {
  table: string;
  org: string;
  source: Digest;
  destination: Digest;
  ok: boolean;
}

/** Source and destination side by side, per table and organization (an organization missing on one side counts as 0 rows). */
export async function checkCopy(from: CopyEndpoint, to: CopyEndpoint): Promise<CheckRow[]> {
  const out: CheckRow[] = [];
  const none: Digest = { rows: 0, sum: '0' };
  const digests = [];
  for (const e of COPY_ENTITIES) digests.push({ e, s: await from.digest(e, null), d: await to.digest(e, null) });
  // Every organization on either side gets a line for every table, zero rows included.
  const orgs = [...new Set(digests.flatMap(({ s, d }) => [...s.keys(), ...d.keys()]))].sort();
  for (const { e, s, d } of digests) {
    for (const org of orgs) {
      const source = s.get(org) ?? none;
      const destination = d.get(org) ?? none;
      out.push({ table: e.table, org, source, destination, ok: source.rows === destination.rows && source.sum === destination.sum });
    }
  }
  return out;
}
