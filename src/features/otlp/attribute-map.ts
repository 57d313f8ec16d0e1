/**
 * Where project, user and API key come from: for each, a list of sources tried in order, each
 * `span:<attribute>` or `resource:<attribute>` (a bare name is a span attribute). Operators replace
 * any of them with ORGLEDGER_OTLP_ATTRIBUTE_MAP, a JSON object of the same shape.
 */
import type { AttrValue, OtlpSpan } from './spans.js';

export const MAPPED_DIMENSIONS = ['project_id', 'user_id', 'api_key_id'] as const;
export type MappedDimension = (typeof MAPPED_DIMENSIONS)[number];
export type AttributeMap = Record<MappedDimension, string[]>;

export const DEFAULT_ATTRIBUTE_MAP: AttributeMap = {
  project_id: ['span:orgledger.project_id', 'resource:orgledger.project_id', 'resource:service.name'],
  user_id: ['span:user.id', 'span:enduser.id'],
  api_key_id: ['span:orgledger.api_key_id'],
};

/** The default map overlaid with the operator's JSON; a malformed map fails at start, not per span. */
export function parseAttributeMap(json: string | undefined): AttributeMap {
  if (json === undefined) return DEFAULT_ATTRIBUTE_MAP;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`ORGLEDGER_OTLP_ATTRIBUTE_MAP is not JSON: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('ORGLEDGER_OTLP_ATTRIBUTE_MAP must be a JSON object');
  const map: AttributeMap = { ...DEFAULT_ATTRIBUTE_MAP };
  for (const [key, sources] of Object.entries(value)) {
    if (!(MAPPED_DIMENSIONS as readonly string[]).includes(key))
      throw new Error(`ORGLEDGER_OTLP_ATTRIBUTE_MAP: unknown key '${key}' (expected ${MAPPED_DIMENSIONS.join(', ')})`);
    const list = typeof sources === 'string' ? [sources] : sources;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === ''))
      throw new Error(`ORGLEDGER_OTLP_ATTRIBUTE_MAP: '${key}' must be an attribute name or a list of them`);
    map[key as MappedDimension] = list as string[];
  }
  return map;
}

/** The first source that gives a value. */
export function lookup(span: OtlpSpan, sources: string[]): AttrValue | undefined {
  for (const source of sources) {
    const resource = source.startsWith('resource:');
    const name = resource ? source.slice(9) : source.startsWith('span:') ? source.slice(5) : source;
    const v = (resource ? span.resource : span.attributes).get(name);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}
