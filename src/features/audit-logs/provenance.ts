/**
 * Provenance of one audit event (an orgledger extension): which admin key ingested it over the API,
 * when, and in which request; or that orgledger wrote it itself. Kept out of the OpenAI-shaped list
 * (OpenAI's AuditLog has no place for it), so an admin asks for it per event.
 */
import { type Static, Type } from '@sinclair/typebox';
import { errors } from '../../lib/errors.js';
import type { AuditReads } from './store.js';

export const AuditLogIdParams = Type.Object({ audit_log_id: Type.String({ minLength: 1, maxLength: 256 }) });

export const AuditProvenanceResponse = Type.Object({
  object: Type.Literal('organization.audit_log.provenance'),
  id: Type.String({ description: "The audit event's id." }),
  ingested_at: Type.Integer({ description: 'Unix seconds at which orgledger stored the event.' }),
  ingested_by: Type.Union([Type.String(), Type.Null()], {
    description: 'Id of the admin key that sent the event to POST /v1/organization/audit_logs; null when no key did.',
  }),
  request_id: Type.Union([Type.String(), Type.Null()], { description: 'The x-request-id of that ingest request; null when no key ingested the event.' }),
  recorded_by_orgledger: Type.Boolean({
    description:
      'True when no admin key ingested the event over the API: orgledger wrote it itself (admin key changes, sync from OpenAI, `orgledger import` or demo), or it was stored before provenance was kept (migration 5).',
  }),
});
export type AuditProvenanceResponse = Static<typeof AuditProvenanceResponse>;

/** The provenance of one event of the organization; an unknown id, or another organization's, is a 404. */
export async function auditProvenance(reads: Pick<AuditReads, 'findAuditProvenance'>, orgId: string, id: string): Promise<AuditProvenanceResponse> {
  const p = (await reads.findAuditProvenance(orgId, [id])).get(id);
  if (!p) throw errors.notFound(`No audit log found with id '${id}'.`, 'audit_log_id');
  return {
    object: 'organization.audit_log.provenance',
    id,
    ingested_at: p.ingestedAt,
    ingested_by: p.ingestedBy,
    request_id: p.requestId,
    recorded_by_orgledger: p.ingestedBy === null,
  };
}
