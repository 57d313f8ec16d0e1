/** S3 delivery through @aws-sdk/client-s3 to a local S3-compatible server (s3rver), read back with the SDK. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendS3 } from '../../src/features/log-streams/sinks/s3.js';
import { startServer, type TestServer } from '../helpers/server.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;

let server: TestServer;
let s3rver: S3rverInstance;
let endpoint: string;
let dir: string;
const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'orgledger-s3-'));
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'logs' }] });
  const { port } = await s3rver.run();
  endpoint = `http://127.0.0.1:${port}`;
  server = await startServer({ logStreamPollMs: 20, logStreamBackoffMs: 20, logStreamMaxBackoffMs: 100 });
});
afterAll(async () => {
  await server.close();
  await s3rver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('s3 delivery (s3rver)', () => {
  it('writes one gzip JSON Lines object per batch under org/date/stream/first-sequence keys, every event once in order', async () => {
    const made = await server.request('POST', '/v1/organization/log_streams', {
      body: {
        name: 's3',
        sink: { type: 's3', endpoint, bucket: 'logs', prefix: 'orgledger/', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
        batch: { max_records: 5, max_wait_ms: 20 },
      },
    });
    expect(made.status).toBe(200);
    expect(made.body.sink.secret_access_key).toBe('S3RVER');
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      const data = Array.from({ length: 5 }, (_, j) => ({
        type: 'project.created',
        effective_at: 1_764_000_000,
        'project.created': { id: `s3p${i * 5 + j}`, data: { name: 'x' } },
      }));
      expect((await server.request('POST', '/v1/organization/audit_logs', { body: { data } })).status).toBe(200);
      sent.push(...data.map((d) => d['project.created'].id));
    }
    await expect.poll(async () => (await server.request('GET', `/v1/organization/log_streams/${made.body.id}`)).body.lag.records, { timeout: 20_000 }).toBe(0);
    const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: creds });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'orgledger/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key as string).sort();
    expect(keys.length).toBeGreaterThanOrEqual(4);
    for (const key of keys) expect(key).toMatch(new RegExp(`^orgledger/[^/]+/2025/11/24/${made.body.id}/a\\d{12}\\.jsonl\\.gz$`));
    const got: string[] = [];
    for (const key of keys) {
      const obj = await s3.send(new GetObjectCommand({ Bucket: 'logs', Key: key }));
      const bytes = Buffer.from(await (obj.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      const lines = gunzipSync(bytes).toString('utf8').split('\n').filter(Boolean);
      got.push(...lines.map((l) => (JSON.parse(l) as Record<string, any>)['project.created'].id as string));
    }
    expect(got).toEqual(sent);
    s3.destroy();
  }, 60_000);

  it('marks the stream failing on a missing bucket and keeps the backlog', async () => {
    const made = await server.request('POST', '/v1/organization/log_streams', {
      body: {
        name: 's3-bad',
        sink: { type: 's3', endpoint, bucket: 'nope', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
        batch: { max_records: 5, max_wait_ms: 10 },
      },
    });
    await server.request('POST', '/v1/organization/audit_logs', { body: { data: [{ type: 'login.failed' }] } });
    await expect
      .poll(async () => (await server.request('GET', `/v1/organization/log_streams/${made.body.id}`)).body.status, { timeout: 20_000 })
      .toBe('failing');
    const shown = await server.request('GET', `/v1/organization/log_streams/${made.body.id}`);
    expect(shown.body.last_error).toMatch(/^s3: HTTP 404 NoSuchBucket/);
    expect(shown.body.lag.records).toBeGreaterThanOrEqual(1);
    await server.request('DELETE', `/v1/organization/log_streams/${made.body.id}`);
  }, 60_000);

  it('a retried batch (even one that picked up more records) overwrites its object instead of adding one', async () => {
    const sink = { type: 's3' as const, endpoint, bucket: 'logs', prefix: 'retry/', region: 'us-east-1', access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };
    const rec = (seq: number) => ({
      kind: 'audit' as const,
      seq,
      id: `audit_${seq}`,
      type: 'login.failed',
      projectId: null,
      time: 1_764_000_000,
      body: { id: `audit_${seq}` },
    });
    expect((await sendS3(sink, { id: 'ls_a1', orgId: 'org-r', streamId: 'ls', records: [rec(1), rec(2)] })).ok).toBe(true);
    expect((await sendS3(sink, { id: 'ls_a1', orgId: 'org-r', streamId: 'ls', records: [rec(1), rec(2), rec(3)] })).ok).toBe(true);
    const s3 = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: creds });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'retry/' }));
    expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(['retry/org-r/2025/11/24/ls/a000000000001.jsonl.gz']);
    s3.destroy();
  });
});
