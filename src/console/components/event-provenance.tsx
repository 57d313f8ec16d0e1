/**
 * Who put an event in the ledger: the admin key that ingested it over the API, when and in which
 * request, or orgledger itself (GET /v1/organization/audit_logs/{id}/provenance). Lets an admin tell an
 * event orgledger recorded from one a key sent that only looks like it.
 */
import { api } from '../api.js';
import type { Directory } from '../directory.js';
import { fullTime, utcTime } from '../format.js';
import { useFetch } from '../use-fetch.js';

export interface AuditProvenance {
  id: string;
  ingested_at: number;
  ingested_by: string | null;
  request_id: string | null;
  recorded_by_orgledger: boolean;
}

export function EventProvenance({ eventId, dir }: { eventId: string; dir: Directory }) {
  const p = useFetch<AuditProvenance>(eventId, (signal) => api<AuditProvenance>('GET', `audit_logs/${encodeURIComponent(eventId)}/provenance`, { signal }));
  const data = p.data?.id === eventId ? p.data : null;
  return (
    <section
      class="provenance small"
      data-testid="detail-provenance"
      aria-busy={p.loading ? 'true' : 'false'}
      {...(data
        ? {
            'data-ingested-by': data.ingested_by ?? '',
            'data-request-id': data.request_id ?? '',
            'data-ingested-at': String(data.ingested_at),
            'data-recorded-by-orgledger': String(data.recorded_by_orgledger),
          }
        : {})}
    >
      <h3>Provenance</h3>
      {!data ? (
        <span class="muted">{p.error ? `Not available: ${p.error.message}` : '…'}</span>
      ) : data.recorded_by_orgledger ? (
        <span>
          <strong>Recorded by orgledger</strong>{' '}
          <span class="muted">
            at <time dateTime={new Date(data.ingested_at * 1000).toISOString()}>{utcTime(data.ingested_at)}</time>: no admin key ingested it
          </span>
        </span>
      ) : (
        <span>
          Ingested by key <strong>{dir.label(data.ingested_by)}</strong>
          {dir.name(data.ingested_by) && <code> {data.ingested_by}</code>} at{' '}
          <time dateTime={new Date(data.ingested_at * 1000).toISOString()} title={fullTime(data.ingested_at)}>
            {utcTime(data.ingested_at)}
          </time>
          , request <code>{data.request_id}</code>
        </span>
      )}
    </section>
  );
}
