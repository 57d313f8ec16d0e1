/**
 * OTLP/HTTP JSON (the protobuf JSON mapping with OTLP's exceptions: trace and span ids in hex, enums
 * as integers, int64 as a string or a number), read into OtlpSpan. Field names are lowerCamelCase;
 * the proto names (snake_case) are accepted too, as the JSON mapping requires of parsers.
 */
import { type AttrValue, OtlpDecodeError, type OtlpSpan } from './spans.js';

type Obj = Record<string, unknown>;

function field(o: Obj, camel: string, snake: string): unknown {
  return o[camel] ?? o[snake];
}

function list(o: Obj, camel: string, snake: string, where: string): Obj[] {
  const v = field(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => !x || typeof x !== 'object' || Array.isArray(x)))
    throw new OtlpDecodeError(`'${where}.${camel}' must be an array of objects.`);
  return v as Obj[];
}

function attrValue(v: unknown): AttrValue {
  if (!v || typeof v !== 'object') return null;
  const o = v as Obj;
  const s = field(o, 'stringValue', 'string_value');
  if (typeof s === 'string') return s;
  const b = field(o, 'boolValue', 'bool_value');
  if (typeof b === 'boolean') return b;
  const i = field(o, 'intValue', 'int_value');
  if (typeof i === 'number') return i;
  // int64 travels as a decimal string in proto3 JSON; a string that is not one is kept as text so the
  // mapping can say it is not a number
  if (typeof i === 'string') return /^-?\d+$/.test(i) ? Number(i) : i;
  const d = field(o, 'doubleValue', 'double_value');
  if (typeof d === 'number') return d;
  return null;
}

function attributes(o: Obj | undefined, where: string): Map<string, AttrValue> {
  const out = new Map<string, AttrValue>();
  if (!o) return out;
  for (const kv of list(o, 'attributes', 'attributes', where)) if (typeof kv.key === 'string') out.set(kv.key, attrValue(kv.value));
  return out;
}

function seconds(v: unknown): number {
  if (typeof v === 'number') return Math.floor(v / 1e9);
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return Number(BigInt(v) / 1_000_000_000n);
  return 0;
}

function hexId(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase() : '';
}

export function decodeJson(body: unknown): OtlpSpan[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new OtlpDecodeError('The body must be a JSON ExportTraceServiceRequest object.');
  const spans: OtlpSpan[] = [];
  list(body as Obj, 'resourceSpans', 'resource_spans', 'body').forEach((rs, r) => {
    const where = `resourceSpans[${r}]`;
    const res = field(rs, 'resource', 'resource');
    const resource = attributes(res && typeof res === 'object' ? (res as Obj) : undefined, `${where}.resource`);
    list(rs, 'scopeSpans', 'scope_spans', where).forEach((ss, i) => {
      for (const s of list(ss, 'spans', 'spans', `${where}.scopeSpans[${i}]`))
        spans.push({
          traceId: hexId(field(s, 'traceId', 'trace_id')),
          spanId: hexId(field(s, 'spanId', 'span_id')),
          endSeconds: seconds(field(s, 'endTimeUnixNano', 'end_time_unix_nano')),
          attributes: attributes(s, 'span'),
          resource,
        });
    });
  });
  return spans;
}
