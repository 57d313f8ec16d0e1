/**
 * The s3 sink: one gzip'd JSON Lines object per batch, through the official AWS SDK, to AWS or any
 * S3-compatible store. The key depends only on the batch's first record, so a retry (even one that
 * picked up more records) overwrites the object it may already have written instead of adding another.
 */
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SinkConfig } from '../types.js';
import type { Batch, SendResult } from './sink.js';

const pad = (n: number) => String(n).padStart(12, '0');

/** `<prefix><org>/<yyyy>/<mm>/<dd>/<stream>/<a|u><first seq, 12 digits>.jsonl.gz`; the date is the first record's (UTC). */
export function objectKey(sink: SinkConfig, batch: Batch): string {
  const first = batch.records[0];
  if (!first) throw new Error('empty batch');
  const day = new Date(first.time * 1000).toISOString().slice(0, 10).replaceAll('-', '/');
  const prefix = typeof sink.prefix === 'string' ? sink.prefix : '';
  return `${prefix}${batch.orgId}/${day}/${batch.streamId}/${first.kind[0]}${pad(first.seq)}.jsonl.gz`;
}

export function objectBody(batch: Batch): Buffer {
  return gzipSync(batch.records.map((r) => `${JSON.stringify(r.body)}\n`).join(''));
}

function client(sink: SinkConfig): S3Client {
  const endpoint = typeof sink.endpoint === 'string' ? sink.endpoint : undefined;
  return new S3Client({
    region: String(sink.region),
    ...(endpoint ? { endpoint } : {}),
    // S3-compatible stores on an endpoint mostly want path-style URLs (bucket in the path).
    forcePathStyle: typeof sink.force_path_style === 'boolean' ? sink.force_path_style : endpoint !== undefined,
    ...(typeof sink.access_key_id === 'string' && typeof sink.secret_access_key === 'string'
      ? { credentials: { accessKeyId: sink.access_key_id, secretAccessKey: sink.secret_access_key } }
      : {}),
    // The deliverer retries with its own backoff and failure accounting.
    maxAttempts: 1,
  });
}

export async function sendS3(sink: SinkConfig, batch: Batch): Promise<SendResult> {
  const s3 = client(sink);
  try {
    const last = batch.records[batch.records.length - 1];
    await s3.send(
      new PutObjectCommand({
        Bucket: String(sink.bucket),
        Key: objectKey(sink, batch),
        Body: objectBody(batch),
        ContentType: 'application/x-ndjson',
        ContentEncoding: 'gzip',
        Metadata: { 'orgledger-records': String(batch.records.length), 'orgledger-last': last ? `${last.kind[0]}${last.seq}` : '' },
      }),
      { abortSignal: AbortSignal.timeout(30_000) },
    );
    return { ok: true };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { ok: false, error: `s3: ${status ? `HTTP ${status} ` : ''}${message}`.slice(0, 300) };
  } finally {
    s3.destroy();
  }
}
