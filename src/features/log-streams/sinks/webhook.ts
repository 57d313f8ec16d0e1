/** The webhook sink per Standard Webhooks: webhook-id / -timestamp / -signature, a JSON array of records. */
import { createHmac } from 'node:crypto';
import type { SinkConfig } from '../types.js';
import { type Batch, post, type SendResult } from './sink.js';

/** `v1,<base64 HMAC-SHA256 over "id.timestamp.body">` keyed by the bytes of a `whsec_` secret. */
export function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export async function sendWebhook(sink: SinkConfig, batch: Batch, nowSeconds: number): Promise<SendResult> {
  const body = JSON.stringify(batch.records.map((r) => r.body));
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
