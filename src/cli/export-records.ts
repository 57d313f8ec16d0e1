/**
 * `orgledger export usage-records|cost-entries`: the raw usage records and cost entries of a local
 * store, one per line, with their provenance on request (`--provenance`: the admin key that ingested
 * each, the request id and the time; migration 5). The API serves only aggregated buckets, and never
 * provenance (OpenAI's responses have no place for it), so this reads the store itself, through the
 * same paged, key-ordered reader as `orgledger copy`: whoever can run it holds the database.
 */
import { ConfigError, sqlitePath, storeEngine } from '../config/config.js';
import { USAGE_KIND_NAMES } from '../features/usage/kinds.js';
import { COPY_ENTITIES, type CopyEndpoint, type CopyEntity, type CopyRow } from '../store/copy.js';
import { PgCopyEndpoint } from '../store/postgres/copy.js';
import { SqliteCopyEndpoint } from '../store/sqlite/copy.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';

export const PROVENANCE_FIELDS = ['ingested_by', 'request_id', 'ingested_at'] as const;
const PAGE = 1000;

export type RawWhat = 'usage-records' | 'cost-entries';

export interface RawRecordOptions {
  kinds?: string[];
  since?: number;
  until?: number;
  provenance?: boolean;
}

function entityOf(table: string): CopyEntity {
  const e = COPY_ENTITIES.find((x) => x.table === table);
  if (!e) throw new Error(`no copy entity for ${table}`);
  return e;
}

/** The record as a JSON object: no org_id, batch as a boolean, provenance only when asked. */
function recordOf(e: CopyEntity, row: CopyRow, provenance: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  e.columns.forEach((c, i) => {
    if (c === 'org_id' || (!provenance && (PROVENANCE_FIELDS as readonly string[]).includes(c))) return;
    let v = row[i];
    if (c === 'batch') v = v === null || v === undefined || v === -1 || v === '-1' ? null : v === true || v === 1 || v === '1';
    if (typeof v === 'bigint') v = Number(v);
    out[c] = v ?? null;
  });
  return out;
}

/** Pages of one organization's rows from `start` (a key prefix, inclusive) while `keep` holds. */
async function* pages(
  endpoint: CopyEndpoint,
  e: CopyEntity,
  start: Record<string, unknown>,
  keep: (row: Record<string, unknown>) => boolean,
): AsyncGenerator<CopyRow> {
  let after: CopyRow = e.columns.map((c) => start[c] ?? null);
  let inclusive = true;
  for (;;) {
    const rows = await endpoint.readPage(e, after, PAGE, inclusive);
    for (const row of rows) {
      const named = Object.fromEntries(e.columns.map((c, i) => [c, row[i]]));
      if (!keep(named)) return;
      yield row;
    }
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1] as CopyRow;
    inclusive = false;
  }
}

/** The organization's raw records of `what`, in key order: usage by kind, then time; cost entries by id (filtered by time). */
export async function* rawRecords(endpoint: CopyEndpoint, what: RawWhat, orgId: string, o: RawRecordOptions): AsyncGenerator<Record<string, unknown>> {
  const since = o.since ?? 0;
  const until = o.until ?? Number.MAX_SAFE_INTEGER;
  const provenance = o.provenance === true;
  if (what === 'usage-records') {
    const e = entityOf('usage_records');
    for (const kind of o.kinds ?? USAGE_KIND_NAMES) {
      const rows = pages(
        endpoint,
        e,
        { org_id: orgId, kind, created_at: since, id: '' },
        (r) => r.org_id === orgId && r.kind === kind && Number(r.created_at) < until,
      );
      for await (const row of rows) yield recordOf(e, row, provenance);
    }
    return;
  }
  const e = entityOf('cost_entries');
  for await (const row of pages(endpoint, e, { org_id: orgId, id: '' }, (r) => r.org_id === orgId)) {
    const rec = recordOf(e, row, provenance);
    const at = Number(rec.created_at);
    if (at >= since && at < until) yield rec;
  }
}

/** A read-only reader of the configured local store, and the organization to export. */
export async function openRawSource(opts: StoreOptions & { url?: string; org?: string }): Promise<{ endpoint: CopyEndpoint; orgId: string }> {
  if (opts.url)
    throw new ConfigError('raw records and their provenance are read from a local store (--data or --database-url); the API serves only aggregated buckets');
  const config = configFrom(opts);
  const orgId = await withStore(config, (store) => resolveOrg(store, opts.org));
  let endpoint: CopyEndpoint | string;
  if (storeEngine(config) === 'postgres') {
    endpoint = await PgCopyEndpoint.openSource({ url: config.databaseUrl as string, connectWaitSeconds: config.pgConnectWaitSeconds, log: () => {} });
  } else endpoint = SqliteCopyEndpoint.openSource(sqlitePath(config));
  if (typeof endpoint === 'string') throw new ConfigError(endpoint);
  return { endpoint, orgId };
}
