/**
 * Turns one submitted event into the row we store, or throws a 400 naming the event and field
 * (`data[31].actor.type`). Pure: ids and time come from the caller.
 */
import type { ValidateFunction } from 'ajv';
import { contentHash } from '../../lib/canonical-json.js';
import { errors } from '../../lib/errors.js';
import { compile, describeAjvError } from '../../lib/validator.js';
import { type EventType, eventTypes, resourceIdOf } from './event-types.js';
import { type Actor, AuditEventInput } from './schemas.js';

/** An event that passed validation; `seq`, and the id when the client chose none, come at commit. */
export interface ValidEvent {
  clientId: string | null;
  type: EventType;
  effectiveAt: number;
  actor: Actor | null | undefined;
  project: { id?: string; name?: string } | undefined;
  details: unknown;
  contentHash: string;
  /** The event as sent: a re-import of an export is recognised against it (see isReplayOf). */
  sent: Record<string, unknown>;
  /** The stored wire text when it must be kept exactly as received (a mirrored upstream event); else built by wireEvent. */
  body?: string;
}

const FIXED_KEYS = new Set(['id', 'type', 'effective_at', 'actor', 'project']);
const validateBase = compile<AuditEventInput>(AuditEventInput);
const detailValidators = new Map<string, ValidateFunction>();

function detailsValidator(type: EventType): ValidateFunction | null {
  if (!type.detailsSchema) return null;
  let validate = detailValidators.get(type.type);
  if (!validate) {
    validate = compile(type.detailsSchema);
    detailValidators.set(type.type, validate);
  }
  return validate;
}

export function validateEvent(input: unknown, param: string, nowSeconds: number): ValidEvent {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw errors.invalidBody(`'${param}' must be an object.`, param);
  if (!validateBase(input)) {
    const first = validateBase.errors?.[0];
    const { param: p, message } = first ? describeAjvError(param, first) : { param, message: `Invalid event '${param}'.` };
    throw errors.invalidBody(message, p);
  }
  const event = input as AuditEventInput & Record<string, unknown>;
  const type = eventTypes().get(event.type);
  if (!type) throw errors.invalidBody(`Invalid value for '${param}.type': '${event.type}' is not an audit-log event type.`, `${param}.type`);

  for (const key of Object.keys(event)) {
    if (!FIXED_KEYS.has(key) && key !== type.type) {
      const p = `${param}[${JSON.stringify(key)}]`;
      throw errors.invalidBody(`Unrecognized parameter: '${p}'. An event of type '${type.type}' carries its details under '${type.type}'.`, p);
    }
  }
  checkActor(event.actor, `${param}.actor`);

  const details = event[type.type];
  const detailsParam = `${param}[${JSON.stringify(type.type)}]`;
  if (details !== undefined) {
    if (!details || typeof details !== 'object' || Array.isArray(details)) throw errors.invalidBody(`'${detailsParam}' must be an object.`, detailsParam);
    const validate = detailsValidator(type);
    if (validate && !validate(details)) {
      const first = validate.errors?.[0];
      const { param: p, message } = first ? describeAjvError(detailsParam, first) : { param: detailsParam, message: 'Invalid details.' };
      throw errors.invalidBody(message, p);
    }
  }

  return {
    clientId: event.id ?? null,
    type,
    effectiveAt: event.effective_at ?? nowSeconds,
    actor: event.actor,
    project: event.project,
    details,
    contentHash: hashOf(input),
    sent: event,
  };
}

/**
 * An event mirrored from an upstream organization (`orgledger sync`): kept exactly as the upstream
 * served it, its text byte for byte, fields our schema does not name included, an event type we do not
 * know yet included. Only what lists need is required: a string id and type and an integer effective_at.
 */
export function mirroredEvent(text: string, param: string): ValidEvent {
  const event = JSON.parse(text) as Record<string, unknown>;
  const { id, type, effective_at } = event;
  if (typeof id !== 'string' || typeof type !== 'string' || !Number.isInteger(effective_at))
    throw errors.invalidBody(`'${param}' is not an audit log: it needs a string id and type and an integer effective_at.`, param);
  const known = eventTypes().get(type) ?? { type, tenantScoped: type.startsWith('tenant.'), detailsSchema: null, inSpec: false };
  return {
    clientId: id,
    type: known,
    effectiveAt: effective_at as number,
    actor: event.actor as Actor | null | undefined,
    project: event.project as { id?: string; name?: string } | undefined,
    details: event[type],
    contentHash: hashOf(event),
    sent: event,
    body: text,
  };
}

function hashOf(value: unknown): string {
  return contentHash(value, 'hex');
}

/**
 * Whether an event sent with an id that is already stored is that stored event again. The stored hash
 * is of the event as first sent, which may have lacked the id (server-assigned) or effective_at
 * (server time); an exported event carries both. The stored event's wire form is exactly what was
 * sent plus those two members, so an event equal to it with them removed, at the stored time, is the
 * same event: a replay. Any other difference still fails every comparison (a 409).
 */
export function isReplayOf(event: ValidEvent, stored: { contentHash: string; effectiveAt: number }): boolean {
  if (event.contentHash === stored.contentHash) return true;
  if (event.sent.effective_at !== stored.effectiveAt) return false;
  const { id: _id, ...noId } = event.sent;
  const { effective_at: _at, ...noTime } = event.sent;
  const { id: _i, effective_at: _t, ...neither } = event.sent;
  return [noId, noTime, neither].some((candidate) => hashOf(candidate) === stored.contentHash);
}

/** The spec leaves every actor field optional; we require the sub-object its `type` names, or lists could not find it. */
function checkActor(actor: Actor | null | undefined, param: string): void {
  if (!actor) return;
  if (actor.type === 'session' && !actor.session) throw errors.invalidBody(`An actor of type 'session' needs '${param}.session'.`, `${param}.session`);
  if (actor.type === 'api_key' && !actor.api_key) throw errors.invalidBody(`An actor of type 'api_key' needs '${param}.api_key'.`, `${param}.api_key`);
}

/** The ids `actor_ids` finds an event by, and the email `actor_emails` does. */
export function actorKeys(actor: Actor | null | undefined): { ids: string[]; email: string | null } {
  if (!actor) return { ids: [], email: null };
  const ids: string[] = [];
  let email: string | null = null;
  if (actor.type === 'session') {
    if (actor.session?.user?.id) ids.push(actor.session.user.id);
    email = actor.session?.user?.email ?? null;
  } else {
    const key = actor.api_key;
    if (key?.id) ids.push(key.id);
    if (key?.user?.id) ids.push(key.user.id);
    if (key?.service_account?.id) ids.push(key.service_account.id);
    email = key?.user?.email ?? null;
  }
  return { ids: [...new Set(ids)], email };
}

/** The AuditLog wire object, members in the spec's order. */
export function wireEvent(id: string, e: ValidEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { id, type: e.type.type, effective_at: e.effectiveAt };
  if (e.actor !== undefined) out.actor = e.actor;
  if (e.project !== undefined) out.project = e.project;
  if (e.details !== undefined) out[e.type.type] = e.details;
  return out;
}

export { resourceIdOf };
