/** Splunk HEC delivery on both engines: the wire format as Splunk documents it, checked by a local receiver. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { startReceiver } from './receiver.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ logStreamPollMs: 20, logStreamBackoffMs: 20, logStreamMaxBackoffMs: 100 });
});
afterAll(async () => {
  await server.close();
});

/** HEC's batch body: JSON event objects one after another (whitespace between them allowed), not an array. */
function parseConcatenated(body: string): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(body.slice(start, i + 1)));
  }
  return out;
}

describe('splunk_hec delivery', () => {
  it('posts audit and usage records as HEC events with time, source, sourcetype, index and the token', async () => {
    const receiver = await startReceiver();
    const made = await server.request('POST', '/v1/organization/log_streams', {
      body: {
        name: 'splunk',
        sink: { type: 'splunk_hec', url: `${receiver.url}/`, token: 'hec-token-1', index: 'orgledger' },
        records: ['audit', 'usage'],
        batch: { max_records: 50, max_wait_ms: 50 },
      },
    });
    expect(made.status).toBe(200);
    expect(made.body.sink.token).toBe('hec-token-1');
    const audit = await server.request('POST', '/v1/organization/audit_logs', {
      body: {
        data: [
          { type: 'login.succeeded', effective_at: 1_700_000_001 },
          { type: 'login.failed', effective_at: 1_700_000_002 },
        ],
      },
    });
    expect(audit.status).toBe(200);
    const usage = await server.request('POST', '/v1/organization/usage/completions', {
      body: { data: [{ id: 'hec-u1', input_tokens: 3, output_tokens: 4, num_model_requests: 1, model: 'gpt-4o' }] },
    });
    expect(usage.status).toBe(200);
    const events = () => receiver.received.flatMap((r) => parseConcatenated(r.body));
    await receiver.until(() => events().length >= 3);
    for (const r of receiver.received) {
      expect(r.path).toBe('/services/collector/event');
      expect(r.headers.authorization).toBe('Splunk hec-token-1');
    }
    const got = events();
    expect(got.map((e) => e.sourcetype)).toEqual(['orgledger:audit', 'orgledger:audit', 'orgledger:usage']);
    expect(got.every((e) => e.source === 'orgledger' && e.index === 'orgledger' && typeof e.time === 'number')).toBe(true);
    expect(got.slice(0, 2).map((e) => [e.event.type, e.time])).toEqual([
      ['login.succeeded', 1_700_000_001],
      ['login.failed', 1_700_000_002],
    ]);
    expect(got[2]?.event.id).toBe('hec-u1');
    expect(JSON.stringify(got)).not.toContain('hec-token-1');
    await receiver.close();
  });
});
