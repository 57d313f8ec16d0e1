/**
 * Audit logs: append (ingest) and list. Appending is also what other features call, inside their own
 * write, to record the change they make in the same transaction.
 */

import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { clientIdsOf, type IdempotencyRule, splitReplays } from '../../lib/idempotent-batch.js';
import { newId } from '../../lib/ids.js';
import { eventTypes } from './event-types.js';
import { actorKeys, isReplayOf, resourceIdOf, type ValidEvent, validateEvent, wireEvent } from './event-validation.js';
import type { ListAuditLogsQuery } from './schemas.js';
import type { AuditStore, AuditWrites } from './store.js';
import type { AuditListQuery, StoredAuditEvent } from './types.js';

export const MAX_EVENTS_PER_BATCH = 1000;

/** Which admin key ingested a record, in which request: stored beside it, not in the OpenAI-shaped lists. */
export interface Provenance {
  keyId: string;
  requestId: string;
}

/** Ids are idempotency keys; a stored twin matches also when the sender left out the id or time it was given. */
const AUDIT_RULE: IdempotencyRule<ValidEvent, { contentHash: string; effectiveAt: number; seq: number }> = {
  keyOf: (e) => ({ clientId: e.clientId, contentHash: e.contentHash, at: e.effectiveAt }),
  storedAt: (stored) => stored.effectiveAt,
  sameAsStored: isReplayOf,
  conflictMessage: (id) => `An audit log with id '${id}' already exists with different content.`,
};

export interface AppendResult {
  id: string;
  type: string;
  effective_at: number;
  /** The event's leaf in the organization's audit ledger log (seq - 1); a replay answers the original's. */
  leaf_index: number;
}

/**
 * Appends validated events in the caller's transaction. Client-chosen ids are idempotency keys: the
 * same id with the same content is acknowledged without a second copy; with other content it is a 409
 * and the caller's whole write rolls back.
 */
export async function appendAuditEvents(
  tx: { audit: AuditWrites },
  orgId: string,
  events: ValidEvent[],
  clock: Clock,
  /** Called for each event that is not a replay, before anything is inserted; throws to refuse the write. */
  checkFresh?: (event: ValidEvent, index: number) => void,
  /** Who ingested the events over the API (absent for orgledger's own events). */
  provenance?: Provenance,
): Promise<AppendResult[]> {
  const stored = await tx.audit.findAuditEventHashes(orgId, clientIdsOf(events, AUDIT_RULE.keyOf));
  const batch = splitReplays(events, stored, AUDIT_RULE);
  const fresh = batch.fresh.map(({ item: event, index }) => ({ index, id: event.clientId ?? newId('auditLog', clock.nowMs()), event }));
  const ids = new Map(fresh.map((f) => [f.index, f.id]));
  const results: AppendResult[] = events.map((event, index) => {
    const id = ids.get(index) ?? (event.clientId as string);
    // A stored twin's leaf is known; a fresh event (and its repeats within the batch) learns its leaf
    // once its seq is allocated, below.
    const twin = batch.acks.has(index) ? stored.get(id) : undefined;
    return { id, type: event.type.type, effective_at: batch.acks.get(index) ?? event.effectiveAt, leaf_index: twin ? twin.seq - 1 : -1 };
  });
  if (fresh.length === 0) return results;
  if (checkFresh) for (const f of fresh) checkFresh(f.event, f.index);

  const firstSeq = await tx.audit.allocateAuditSeq(orgId, fresh.length);
  const leafOf = new Map(fresh.map((f, i) => [f.id, firstSeq + i - 1]));
  for (const r of results) if (r.leaf_index === -1) r.leaf_index = leafOf.get(r.id) as number;
  const ingestedAt = clock.nowSeconds();
  const rows: StoredAuditEvent[] = fresh.map(({ id, event }, i) => {
    const actor = actorKeys(event.actor);
    return {
      orgId,
      seq: firstSeq + i,
      id,
      effectiveAt: event.effectiveAt,
      type: event.type.type,
      tenant: event.type.tenantScoped,
      projectId: event.project?.id ?? null,
      actorEmail: actor.email,
      actorIds: actor.ids,
      resourceId: resourceIdOf(event.details),
      contentHash: event.contentHash,
      body: event.body ?? JSON.stringify(wireEvent(id, event)),
      ingestedAt,
      ingestedBy: provenance?.keyId ?? null,
      requestId: provenance?.requestId ?? null,
    };
  });
  await tx.audit.insertAuditEvents(rows);
  return results;
}

export class AuditLogService {
  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
    /** Whether an id is one of orgledger's own admin keys in the organization (events by them are orgledger's to record). */
    private readonly isOwnKey: (orgId: string, keyId: string) => Promise<boolean> = async () => false,
  ) {}

  /** Validates every event first (nothing is written unless all pass), then appends them in one write. */
  async ingest(orgId: string, events: unknown[], provenance?: Provenance): Promise<AppendResult[]> {
    if (events.length === 0) throw errors.invalidBody("'data' must hold at least one event.", 'data');
    if (events.length > MAX_EVENTS_PER_BATCH)
      throw errors.invalidBody(`'data' holds ${events.length} events; at most ${MAX_EVENTS_PER_BATCH} are accepted per request.`, 'data');
    const now = this.clock.nowSeconds();
    const valid = events.map((event, i) => validateEvent(event, `data[${i}]`, now));
    const claimed = [...new Set(valid.flatMap((e) => (e.actor?.api_key?.id ? [e.actor.api_key.id] : [])))];
    const own = new Set<string>();
    for (const id of claimed) if (await this.isOwnKey(orgId, id)) own.add(id);
    // An ingested event may not pose as one orgledger recorded itself (its actor is one of orgledger's
    // keys); re-sending an event already stored (an export re-imported) stays an idempotent replay.
    const refuseOwnActor = (event: ValidEvent, index: number) => {
      const keyId = event.actor?.api_key?.id;
      if (keyId && own.has(keyId))
        throw errors.invalidBody(
          `Invalid value for 'data[${index}].actor.api_key.id': '${keyId}' is an orgledger admin key; events by orgledger's own keys are recorded by orgledger itself and cannot be ingested.`,
          `data[${index}].actor.api_key.id`,
        );
    };
    return this.store.write((tx) => appendAuditEvents(tx, orgId, valid, this.clock, refuseOwnActor, provenance));
  }

  /** One page of the list, as the JSON text of a ListAuditLogsResponse. */
  async list(orgId: string, q: ListAuditLogsQuery): Promise<string> {
    const tenantOnly = q.tenant_only ?? false;
    if (q.event_types) {
      for (const type of q.event_types) {
        const scoped = eventTypes().get(type)?.tenantScoped ?? false;
        if (tenantOnly && !scoped)
          throw errors.invalidParam(
            'event_types',
            `'${type}' is not a tenant-scoped event type; with tenant_only=true every event type must be tenant-scoped.`,
          );
      }
    }
    const limit = q.limit ?? 20;
    const query: AuditListQuery = {
      orgId,
      tenantOnly,
      types: q.event_types && tenantOnly === false ? q.event_types.filter((t) => !eventTypes().get(t)?.tenantScoped) : q.event_types,
      projectIds: q.project_ids,
      actorIds: q.actor_ids,
      actorEmails: q.actor_emails,
      resourceIds: q.resource_ids,
      effectiveAt: q.effective_at ?? {},
      direction: q.after || !q.before ? 'desc' : 'asc',
      fetch: limit + 1,
    };
    if (q.after) query.olderThan = await this.position(orgId, q.after, 'after');
    if (q.before) query.newerThan = await this.position(orgId, q.before, 'before');

    const rows = query.types && query.types.length === 0 ? [] : await this.store.audit.listAuditEvents(query);
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    if (query.direction === 'asc') page.reverse();
    const first = page[0]?.id ?? null;
    const last = page[page.length - 1]?.id ?? null;
    return `{"object":"list","data":[${page.map((r) => r.body).join(',')}],"first_id":${JSON.stringify(first)},"last_id":${JSON.stringify(last)},"has_more":${hasMore}}`;
  }

  private async position(orgId: string, id: string, param: 'after' | 'before') {
    const pos = await this.store.audit.findAuditPosition(orgId, id);
    if (!pos) throw errors.invalidParam(param, `Invalid '${param}': no audit log with id '${id}' in this organization.`);
    return pos;
  }
}
