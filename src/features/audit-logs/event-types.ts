/**
 * The registry of audit-log event types: every row of spec/audit-log-event-types.json, with the
 * details schema the official spec gives the property named after the type (null where the spec
 * defines none: those types accept any details object).
 */
import { eventTypeTable, type JsonSchema, officialOpenApi } from '../../spec/spec-files.js';

export interface EventType {
  type: string;
  tenantScoped: boolean;
  /** JSON Schema of the details object, from the spec's AuditLog properties. */
  detailsSchema: JsonSchema | null;
  /** false for the few types only the openai SDK knows (not yet in the spec's enum). */
  inSpec: boolean;
}

let registry: Map<string, EventType> | undefined;

export function eventTypes(): Map<string, EventType> {
  if (registry) return registry;
  const auditLog = officialOpenApi().components.schemas.AuditLog as { properties: Record<string, JsonSchema> };
  const specEnum = new Set((officialOpenApi().components.schemas.AuditLogEventType as { enum: string[] }).enum);
  registry = new Map(
    eventTypeTable().map((row) => [
      row.type,
      { type: row.type, tenantScoped: row.tenant_scoped, detailsSchema: auditLog.properties[row.type] ?? null, inSpec: specEnum.has(row.type) },
    ]),
  );
  return registry;
}

export function eventTypeNames(): string[] {
  return [...eventTypes().keys()];
}

/**
 * The target of an event, which `resource_ids` matches: the `id` of its details object (the project
 * of project.*, the key of api_key.*, the user of user.*, ...). Types whose details carry no id
 * (login.*, logout.*, certificates.*, ip_allowlist.config.*) have no resource.
 */
export function resourceIdOf(details: unknown): string | null {
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    const id = (details as Record<string, unknown>).id;
    if (typeof id === 'string' && id.length > 0) return id;
  }
  return null;
}
