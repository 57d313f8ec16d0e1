/** What a sink is to the deliverer: one batch in, acknowledged or not. */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/**
 * Keep-alive connections per receiver, as fetch kept them. node:http rather than fetch: a delivery is
 * one POST of a ready body, and fetch's per-request objects and body copy cost several times as much
 * CPU, paid once per stream per batch. Idle sockets are closed before a receiver's usual 5 s idle
 * timeout and do not hold the process open.
 */
const agents = { 'http:': new HttpAgent({ keepAlive: true, timeout: 4000 }), 'https:': new HttpsAgent({ keepAlive: true, timeout: 4000 }) };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One POST; a connection closed by the receiver just as it was reused is retried once on a new one. */
function request(url: URL, headers: Record<string, string>, body: string | Uint8Array<ArrayBuffer>, timeoutMs: number, retried = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': String(length) }, agent: agents[url.protocol as 'http:'] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) resolve(request(url, headers, body, timeoutMs, true));
      else reject(err);
    });
    req.end(body);
  });
}

/**
 * POSTs and turns the answer into a SendResult: 2xx acknowledges, anything else (a redirect included:
 * it is not followed) is a failure to retry.
 */
export async function post(
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array<ArrayBuffer>,
  timeoutMs = 10_000,
  /** Reads a 2xx answer's full body (throwing turns the answer into a failure). */
  onOk?: (text: string) => void,
): Promise<SendResult> {
  try {
    const res = await request(new URL(url), headers, body, timeoutMs);
    const text = res.text.slice(0, 300);
    if (res.status >= 200 && res.status < 300) {
      onOk?.(res.text);
      return { ok: true };
    }
    const header = res.headers['retry-after'];
    const wait = res.status === 429 || res.status === 503 ? retryAfterMs(typeof header === 'string' ? header : null, Date.now()) : undefined;
    return { ok: false, error: `HTTP ${res.status}: ${text}`, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}
