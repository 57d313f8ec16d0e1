/**
 * Per-item limits every ingest route applies before the feature sees the batch: a size bound per
 * item (one oversized item made every later list page unservable) and time sanity (an event in year
 * 9999 stays first in every list forever). A batch with one bad item is refused whole, 400 naming it.
 * The numbers are documented in docs/limits.md.
 */
import { errors } from '../lib/errors.js';

/** One audit event, serialized as JSON: OpenAI's own events are a few KB. */
export const MAX_AUDIT_EVENT_BYTES = 64 * 1024;
/** One usage record or one cost entry, serialized as JSON. */
export const MAX_USAGE_RECORD_BYTES = 16 * 1024;
/** No ingested time before 2000-01-01T00:00:00Z. */
export const MIN_INGEST_TIME = 946_684_800;
/** Default tolerance for clients whose clocks run ahead (ORGLEDGER_MAX_CLOCK_SKEW_SECONDS). */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 300;

export interface ItemLimits {
  maxItemBytes: number;
  /** Top-level members holding Unix seconds that must lie in [MIN_INGEST_TIME, now + skew]. */
  timeFields: readonly string[];
  nowSeconds: number;
  maxClockSkewSeconds: number;
}

/** Throws a 400 naming the first item (`data[3]`, `data[3].effective_at`) beyond a limit. */
export function checkIngestItems(data: unknown[], limits: ItemLimits): void {
  const latest = limits.nowSeconds + limits.maxClockSkewSeconds;
  data.forEach((item, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
    if (bytes > limits.maxItemBytes)
      throw errors.invalidBody(`'data[${i}]' is ${bytes} bytes as JSON; one item may be at most ${limits.maxItemBytes} bytes.`, `data[${i}]`);
    if (!item || typeof item !== 'object') return;
    for (const field of limits.timeFields) {
      const value = (item as Record<string, unknown>)[field];
      // Non-integers are left to the feature's schema, which names the type error.
      if (typeof value !== 'number' || !Number.isInteger(value)) continue;
      const param = `data[${i}].${field}`;
      if (value < MIN_INGEST_TIME)
        throw errors.invalidBody(`Invalid value for '${param}': ${value} is before 2000-01-01 (${MIN_INGEST_TIME}), the earliest time accepted.`, param);
      if (value > latest)
        throw errors.invalidBody(
          `Invalid value for '${param}': ${value} is more than ${limits.maxClockSkewSeconds} seconds in the future (now is ${limits.nowSeconds}).`,
          param,
        );
    }
  });
}
