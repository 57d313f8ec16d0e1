/** The one shape both OTLP encodings are read into: only what usage mapping needs of a span. */
export type AttrValue = string | number | boolean | null;

export interface OtlpSpan {
  /** Lower-case hex, as OTLP/JSON writes them; empty when the sender left them out. */
  traceId: string;
  spanId: string;
  /** The span's end, whole Unix seconds (0 when unset). */
  endSeconds: number;
  attributes: Map<string, AttrValue>;
  /** The attributes of the span's resource, shared by every span of it. */
  resource: Map<string, AttrValue>;
}

/** Why a request body could not be read at all: the whole export is refused with 400. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}
