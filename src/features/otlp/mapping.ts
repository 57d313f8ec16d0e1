/**
 * GenAI span -> usage record, after the OpenTelemetry GenAI semantic conventions, accepting the older
 * attribute names still emitted in the field. A span is either mapped, ignored (it carries no GenAI
 * usage, or its operation is not one usage is counted for) or rejected with a reason.
 */
import { MAX_MEASURE } from '../usage/record-schema.js';
import { type AttributeMap, lookup, MAPPED_DIMENSIONS } from './attribute-map.js';
import type { AttrValue, OtlpSpan } from './spans.js';

export type OtlpKind = 'completions' | 'embeddings' | 'moderations';

/**
 * gen_ai.operation.name -> usage kind. Agent and tool spans (create_agent, invoke_agent,
 * execute_tool) are absent on purpose: they may repeat their child calls' usage, which would count
 * twice. Image and audio operations carry no measure the conventions define (images, characters,
 * seconds), so they are ignored too.
 */
const KIND_OF_OPERATION: Record<string, OtlpKind> = {
  chat: 'completions',
  text_completion: 'completions',
  generate_content: 'completions',
  embeddings: 'embeddings',
  moderation: 'moderations',
  moderations: 'moderations',
};

/** Current name first, then the older ones. */
const INPUT = ['gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens'];
const OUTPUT = ['gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens'];
const CACHE_READ = ['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens'];
const CACHE_WRITE = ['gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens'];
const PROVIDER = ['gen_ai.provider.name', 'gen_ai.system'];
const MODEL = ['gen_ai.response.model', 'gen_ai.request.model'];
const SERVICE_TIER = [
  'openai.response.service_tier',
  'gen_ai.openai.response.service_tier',
  'openai.request.service_tier',
  'gen_ai.openai.request.service_tier',
];
const BATCH = 'openai.request.batch';

export type Mapped = { outcome: 'record'; kind: OtlpKind; record: Record<string, unknown> } | { outcome: 'ignored' } | { outcome: 'rejected'; reason: string };

function first(attrs: Map<string, AttrValue>, names: string[]): [string, AttrValue] | undefined {
  for (const n of names) {
    const v = attrs.get(n);
    if (v !== undefined && v !== null) return [n, v];
  }
  return undefined;
}

class Rejection extends Error {}

function tokens(span: OtlpSpan, names: string[]): number | undefined {
  const found = first(span.attributes, names);
  if (!found) return undefined;
  const [name, v] = found;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_MEASURE) throw new Rejection(`${name} is not a token count (got ${JSON.stringify(v)})`);
  return n;
}

function text(name: string, v: AttrValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v);
  if (s.length > 256) throw new Rejection(`${name} is longer than 256 characters`);
  return s;
}

const HEX_TRACE = /^[0-9a-f]{32}$/;
const HEX_SPAN = /^[0-9a-f]{16}$/;
const SERVICE_TIERS = new Set(['auto', 'default', 'flex', 'scale', 'priority']);

function mapOrThrow(span: OtlpSpan, map: AttributeMap): Mapped {
  const input = tokens(span, INPUT);
  const output = tokens(span, OUTPUT);
  if (input === undefined && output === undefined) return { outcome: 'ignored' };
  const operation = span.attributes.get('gen_ai.operation.name');
  // usage with no operation named comes from instrumentations older than gen_ai.operation.name: chat calls
  const kind = operation === undefined || operation === null ? 'completions' : KIND_OF_OPERATION[String(operation)];
  if (!kind) return { outcome: 'ignored' };
  if (!HEX_TRACE.test(span.traceId) || !HEX_SPAN.test(span.spanId) || /^0+$/.test(span.traceId) || /^0+$/.test(span.spanId))
    throw new Rejection('the span has no valid trace_id and span_id');
  if (input === undefined) throw new Rejection(`${INPUT[0]} is missing`);
  if (kind === 'completions' && output === undefined) throw new Rejection(`${OUTPUT[0]} is missing`);
  const record: Record<string, unknown> = {
    // the span id is the record id: an exporter's retry of the same span is acknowledged, not counted again
    id: `otel:${span.traceId}:${span.spanId}`,
    input_tokens: input,
    num_model_requests: 1,
  };
  if (span.endSeconds > 0) record.created_at = span.endSeconds;
  const model = first(span.attributes, MODEL);
  record.model = text(model?.[0] ?? 'model', model?.[1]);
  for (const d of MAPPED_DIMENSIONS) record[d] = text(d, lookup(span, map[d]));
  if (kind === 'completions') {
    record.output_tokens = output;
    const cached = tokens(span, CACHE_READ);
    const written = tokens(span, CACHE_WRITE);
    if (cached !== undefined) record.input_cached_tokens = cached;
    if (written !== undefined) record.input_cache_write_tokens = written;
    // the conventions count cached and cache-write tokens inside input_tokens, as orgledger does
    if ((cached ?? 0) + (written ?? 0) > input) throw new Rejection(`cached and cache-write input tokens exceed ${INPUT[0]} (${input})`);
    const tier = first(span.attributes, SERVICE_TIER)?.[1];
    if (typeof tier === 'string' && SERVICE_TIERS.has(tier)) record.service_tier = tier;
    const batch = span.attributes.get(BATCH);
    if (typeof batch === 'boolean') record.batch = batch;
  }
  const provider = first(span.attributes, PROVIDER);
  record.provider = text(provider?.[0] ?? 'gen_ai.provider.name', provider?.[1]);
  return { outcome: 'record', kind, record };
}

export function mapSpan(span: OtlpSpan, map: AttributeMap): Mapped {
  try {
    return mapOrThrow(span, map);
  } catch (err) {
    if (err instanceof Rejection) return { outcome: 'rejected', reason: err.message };
    throw err;
  }
}
