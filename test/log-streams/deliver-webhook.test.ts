/** Webhook delivery on both engines: each request verified with the standardwebhooks package; order, retries, Retry-After, rotation. */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { type Received, type Receiver, startReceiver } from './receiver.js';

let server: TestServer;
beforeAll(async () => {
  // Short polls and backoff so retries happen within the test; a Retry-After longer than the backoff shows it is honoured.
  server = await startServer({ logStreamPollMs: 20, logStreamBackoffMs: 20, logStreamMaxBackoffMs: 100, logStreamFailAfter: 2 });
});
afterAll(async () => {
  await server.close();
});

const BASE = '/v1/organization/log_streams';

async function ingest(tag: string, from: number, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${tag}_${from + i}`);
  const data = ids.map((id) => ({ type: 'project.created', project: { id: `proj_${tag}` }, 'project.created': { id, data: { name: id } } }));
  const res = await server.request('POST', '/v1/organization/audit_logs', { body: { data } });
  expect(res.status).toBe(200);
  return ids;
}

/** Every verified delivery's records, in arrival order, checked with the reference implementation. */
function verified(r: Received, secret: string): Array<Record<string, any>> {
  const payload = new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
  return payload as Array<Record<string, any>>;
}

const projectIds = (batches: Array<Record<string, any>>[]) => batches.flat().map((e) => e['project.created'].id as string);

async function stream(receiver: Receiver, tag: string, maxRecords = 3) {
  const made = await server.request('POST', BASE, {
    body: {
      name: tag,
      sink: { type: 'webhook', url: `${receiver.url}/hook` },
      filters: { project_ids: [`proj_${tag}`] },
      batch: { max_records: maxRecords, max_wait_ms: 50 },
    },
  });
  expect(made.status).toBe(200);
  return made.body as { id: string; sink: { secret: string } };
}

/** The stream once its counters satisfy `ready`: the cursor and counters are written just after the receiver's answer. */
async function shownWhen(id: string, ready: (body: Record<string, any>) => boolean) {
  for (;;) {
    const shown = await server.request('GET', `${BASE}/${id}`);
    if (ready(shown.body)) return shown.body;
  }
}

describe('webhook delivery', () => {
  it('delivers ingested audit events in order, each request signed per Standard Webhooks', async () => {
    const receiver = await startReceiver();
    const s = await stream(receiver, 'order');
    const ids = [...(await ingest('order', 0, 5)), ...(await ingest('order', 5, 4))];
    await receiver.until((rs) => projectIds(rs.map((r) => verified(r, s.sink.secret))).length >= ids.length);
    expect(projectIds(receiver.received.map((r) => verified(r, s.sink.secret)))).toEqual(ids);
    expect(receiver.received.every((r) => String(r.headers['webhook-id']).startsWith(`${s.id}_a`))).toBe(true);
    const shown = await shownWhen(s.id, (b) => b.delivered >= ids.length);
    expect(shown.delivered).toBe(ids.length);
    expect(shown.lag.records).toBe(0);
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    expect(metrics).toContain(`orgledger_log_stream_delivered_total{org="org-default",stream="${s.id}",sink="webhook"} ${ids.length}`);
    expect(metrics).toContain(`orgledger_log_stream_lag_records{org="org-default",stream="${s.id}",sink="webhook"} 0`);
    await server.request('DELETE', `${BASE}/${s.id}`);
    await receiver.close();
  });

  it('retries a batch the receiver refused with 500: everything arrives, only that batch twice, same webhook-id', async () => {
    const receiver = await startReceiver();
    receiver.script.push({ status: 500 }, { status: 500 }, { status: 500 });
    const s = await stream(receiver, 'retry');
    const ids = await ingest('retry', 0, 6);
    await receiver.until((rs) => projectIds(rs.filter((r) => r.status === 200).map((r) => verified(r, s.sink.secret))).length >= ids.length);
    const ok = receiver.received.filter((r) => r.status === 200);
    expect(projectIds(ok.map((r) => verified(r, s.sink.secret)))).toEqual(ids);
    const failed = receiver.received.filter((r) => r.status === 500);
    expect(failed).toHaveLength(3);
    // The refused batch is the first one, resent unchanged; nothing else is duplicated.
    expect(new Set(failed.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(failed[0]?.headers['webhook-id']).toBe(ok[0]?.headers['webhook-id']);
    const shown = await shownWhen(s.id, (b) => b.delivered >= ids.length);
    expect(shown).toMatchObject({ status: 'active', attempts: 0, failed: 3, retried: 2, delivered: ids.length });
    expect(shown.last_error).toContain('HTTP 500');
    await server.request('DELETE', `${BASE}/${s.id}`);
    await receiver.close();
  });

  it('marks a stream failing after repeated failures, keeping its backlog', async () => {
    const receiver = await startReceiver();
    for (let i = 0; i < 6; i++) receiver.script.push({ status: 503 });
    const s = await stream(receiver, 'fail');
    await ingest('fail', 0, 2);
    // A third attempt is only made after the second failure was recorded: from then on the stream shows failing.
    await receiver.until((rs) => rs.length >= 3);
    const shown = await server.request('GET', `${BASE}/${s.id}`);
    expect(shown.body.status).toBe('failing');
    expect(shown.body.attempts).toBeGreaterThanOrEqual(2);
    expect(shown.body.last_error).toContain('HTTP 503');
    expect(shown.body.lag.records).toBeGreaterThan(0);
    await receiver.until((rs) => rs.some((r) => r.status === 200));
    await server.request('DELETE', `${BASE}/${s.id}`);
    await receiver.close();
  });

  it('waits as long as a 429 Retry-After asks before sending again', async () => {
    const receiver = await startReceiver();
    receiver.script.push({ status: 429, headers: { 'retry-after': '1' } });
    const s = await stream(receiver, 'slow');
    const ids = await ingest('slow', 0, 2);
    await receiver.until((rs) => rs.some((r) => r.status === 200));
    const [refused, accepted] = receiver.received;
    // The backoff alone is at most 100 ms here: a gap of a second is Retry-After's doing.
    expect((accepted?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(projectIds([verified(accepted as Received, s.sink.secret)])).toEqual(ids);
    await server.request('DELETE', `${BASE}/${s.id}`);
    await receiver.close();
  });

  it('signs with both secrets after a rotation, each verifying with standardwebhooks', async () => {
    const receiver = await startReceiver();
    const s = await stream(receiver, 'rotate');
    const rotated = await server.request('POST', `${BASE}/${s.id}/rotate_secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.sink.secret as string;
    expect(newSecret).not.toBe(s.sink.secret);
    const ids = await ingest('rotate', 0, 2);
    await receiver.until((rs) => rs.length >= 1);
    const r = receiver.received[0] as Received;
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(projectIds([verified(r, s.sink.secret)])).toEqual(ids);
    expect(projectIds([verified(r, newSecret)])).toEqual(ids);
    expect(() => verified(r, `whsec_${Buffer.alloc(24, 7).toString('base64')}`)).toThrow();
    await server.request('DELETE', `${BASE}/${s.id}`);
    await receiver.close();
  });
});
