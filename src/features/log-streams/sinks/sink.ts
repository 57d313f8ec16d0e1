/** What a sink is to the deliverer: one batch in, acknowledged or not. */
import type { SinkConfig, StreamRecord } from '../types.js';

export interface SendResult {
  ok: boolean;
  /** Why it failed (status and a short excerpt of the answer, or the network error). */
  error?: string;
  /** Milliseconds the receiver asked to wait (Retry-After on 429/503). */
  retryAfterMs?: number;
}

export interface Batch {
  /** Stable for the batch (the same on every retry): `<stream id>_<kind initial><first seq>`. */
  id: string;
  records: readonly StreamRecord[];
  orgId: string;
  streamId: string;
}

export type Sender = (sink: SinkConfig, batch: Batch, nowSeconds: number) => Promise<SendResult>;

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** POSTs and turns the answer into a SendResult: 2xx acknowledges, anything else is a failure to retry. */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array<ArrayBuffer>,
  timeoutMs = 10_000,
  /** Reads a 2xx answer's full body (throwing turns the answer into a failure). */
  onOk?: (text: string) => void,
): Promise<SendResult> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    const full = await res.text();
    const text = full.slice(0, 300);
    if (res.ok) {
      onOk?.(full);
      return { ok: true };
    }
    const wait = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('retry-after'), Date.now()) : undefined;
    return { ok: false, error: `HTTP ${res.status}: ${text}`, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}
