/**
 * `export logs --provenance` and `logs --provenance`: each audit event of a local store with the admin
 * key that ingested it, the request id and the time (migration 5), looked up a page of ids at a time.
 * Local stores only: the OpenAI-shaped list never carries provenance, and OpenAI has no such endpoint
 * (an orgledger server answers GET /v1/organization/audit_logs/{id}/provenance per event).
 */
import { ConfigError } from '../config/config.js';
import type { Source } from './api-source.js';
import { PROVENANCE_FIELDS } from './export-records.js';

export { PROVENANCE_FIELDS };

/** Ids looked up per query: one list page. */
const CHUNK = 100;

type Event = Record<string, unknown>;

/** The local store's provenance reader and organization; a remote source is refused with the reason. */
function localReader(source: Source, flag: string) {
  if (!source.store || !source.orgId)
    throw new ConfigError(
      `${flag} reads a local store (--data or --database-url); over --url ask an orgledger server per event: GET /v1/organization/audit_logs/{id}/provenance`,
    );
  return { audit: source.store.audit, orgId: source.orgId };
}

/**
 * The events in their order, each with ingested_by, request_id and ingested_at appended (null for the
 * first two when no admin key ingested it: orgledger recorded it itself, or it predates migration 5).
 */
export async function* withAuditProvenance(source: Source, events: AsyncIterable<Event>, flag = '--provenance'): AsyncGenerator<Event> {
  const { audit, orgId } = localReader(source, flag);
  const org = await orgId();
  let pending: Event[] = [];
  const flush = async function* () {
    const found = await audit.findAuditProvenance(org, [...new Set(pending.map((e) => String(e.id)))]);
    for (const e of pending) {
      const p = found.get(String(e.id));
      // Listed a moment ago from the same store: missing now means the store changed under the read.
      if (!p) throw new Error(`audit event ${String(e.id)} was listed but its provenance is not in the store`);
      yield { ...e, ingested_by: p.ingestedBy, request_id: p.requestId, ingested_at: p.ingestedAt };
    }
    pending = [];
  };
  for await (const e of events) {
    pending.push(e);
    if (pending.length >= CHUNK) yield* flush();
  }
  if (pending.length > 0) yield* flush();
}

/** Checks the source before anything is written (so a refused --url leaves no half-written file). */
export function assertLocalProvenance(source: Source, flag = '--provenance'): void {
  localReader(source, flag);
}
