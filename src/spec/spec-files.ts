/**
 * The contract files shipped in the package's spec/ folder: the official OpenAPI subset (MIT, see
 * spec/LICENSE-openai-openapi) and the audit-log event-type table. Loaded once, read-only.
 */
import { readFileSync } from 'node:fs';

// Both src/spec and dist/spec sit two levels below the package root.
const specDir = new URL('../../spec/', import.meta.url);

function loadJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, specDir), 'utf8')) as T;
}

export interface JsonSchema {
  [key: string]: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, JsonSchema>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface EventTypeRow {
  type: string;
  in_51_set: boolean;
  origin: string;
  tenant_scoped: boolean;
  details_schema: string | null;
}

let openApi: OpenApiDocument | undefined;
let eventTypeRows: EventTypeRow[] | undefined;

export function officialOpenApi(): OpenApiDocument {
  openApi ??= loadJson<OpenApiDocument>('openai-admin-subset.json');
  return openApi;
}

export function eventTypeTable(): EventTypeRow[] {
  eventTypeRows ??= loadJson<{ event_types: EventTypeRow[] }>('audit-log-event-types.json').event_types;
  return eventTypeRows;
}
