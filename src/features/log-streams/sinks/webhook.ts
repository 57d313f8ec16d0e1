/** The webhook sink per Standard Webhooks: webhook-id / -timestamp / -signature, a JSON array of records. */
import { createHmac } from 'node:crypto';
import type { SinkConfig, StreamRecord } from '../types.js';
import { type Batch, post, type SendResult } from './sink.js';

/** `v1,<base64 HMAC-SHA256 over "id.timestamp.body">` keyed by the bytes of a `whsec_` secret. */
export function sign(secret: string, id: string, timestamp: number, body: string | Buffer): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64')}`;
}

const bodies = new WeakMap<readonly StreamRecord[], Buffer<ArrayBuffer>>();

/**
 * The delivery body, a JSON array of the records' bodies, made once per records array: streams at
 * the same position are handed the same array (see the deliverer), so ten streams serialise a batch
 * once and only sign it ten times. The stored JSON text is used as is where the store kept it.
 */
export function webhookBody(records: readonly StreamRecord[]): Buffer<ArrayBuffer> {
  let body = bodies.get(records);
  if (!body) {
    body = Buffer.from(`[${records.map((r) => r.json ?? JSON.stringify(r.body)).join(',')}]`);
    bodies.set(records, body);
  }
  return body;
}

export async function sendWebhook(sink: SinkConfig, batch: Batch, nowSeconds: number): Promise<SendResult> {
  const body = webhookBody(batch.records);
  const signatures = [sign(String(sink.secret), batch.id, nowSeconds, body)];
  // During rotation the previous secret signs too, so receivers still on it verify (space-separated, per the spec).
  const prevUntil = typeof sink.previous_expires_at === 'number' ? sink.previous_expires_at : 0;
  if (typeof sink.previous_secret === 'string' && nowSeconds < prevUntil) signatures.push(sign(sink.previous_secret, batch.id, nowSeconds, body));
  return post(
    String(sink.url),
    {
      'content-type': 'application/json',
      'webhook-id': batch.id,
      'webhook-timestamp': String(nowSeconds),
      'webhook-signature': signatures.join(' '),
    },
    body,
  );
}
