/** Syslog delivery to a real rsyslogd: RFC 5424 over TCP with octet-counting framing, plain and TLS (RFC 5425). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, syslogMessage } from '../../src/features/log-streams/sinks/syslog.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { startRsyslog } from './rsyslog.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ logStreamPollMs: 20, logStreamBackoffMs: 20, logStreamMaxBackoffMs: 100 });
});
afterAll(async () => {
  await server.close();
});

async function ingest(prefix: string, batches: number, per: number): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < batches; i++) {
    const data = Array.from({ length: per }, (_, j) => ({
      type: 'project.created',
      'project.created': { id: `${prefix}${i * per + j}`, data: { name: 'quote " and ] \\ é' } },
    }));
    expect((await server.request('POST', '/v1/organization/audit_logs', { body: { data } })).status).toBe(200);
    sent.push(...data.map((d) => d['project.created'].id));
  }
  return sent;
}

describe('syslog delivery (real rsyslogd)', () => {
  it('frames by octet count with the byte length (multi-byte characters included)', () => {
    const msg = syslogMessage(
      { kind: 'audit', seq: 7, id: 'audit_x', type: 'login.failed', projectId: null, time: 1_700_000_000, body: { n: 'é]"' } },
      'org-1',
      'host a',
    );
    expect(msg).toBe(
      '<110>1 2023-11-14T22:13:20.000Z host_a orgledger - login.failed [orgledger@32473 id="audit_x" type="login.failed" org="org-1" kind="audit" seq="7"] {"n":"é]\\""}',
    );
    expect(frame(msg).startsWith(`${Buffer.byteLength(msg)} <110>`)).toBe(true);
  });

  for (const tls of [false, true]) {
    it(`delivers every audit event once and in order over ${tls ? 'TLS' : 'plain TCP'}`, async () => {
      const rsyslog = await startRsyslog({ tls });
      try {
        const made = await server.request('POST', '/v1/organization/log_streams', {
          body: {
            name: `syslog-${tls}`,
            sink: { type: 'syslog', host: '127.0.0.1', port: rsyslog.port, tls, ...(tls ? { ca: rsyslog.ca } : {}) },
            batch: { max_records: 7, max_wait_ms: 20 },
          },
        });
        expect(made.status).toBe(200);
        const sent = await ingest(`sys${tls ? 't' : 'p'}`, 5, 6);
        const lines = await rsyslog.untilLines(sent.length);
        const parsed = lines.map((l) => {
          const [msgid, sd, ...rest] = l.split('|');
          return { msgid, sd, body: JSON.parse(rest.join('|').trim()) as Record<string, any> };
        });
        expect(parsed.map((p) => p.body['project.created'].id)).toEqual(sent);
        expect(parsed.every((p) => p.msgid === 'project.created')).toBe(true);
        expect(parsed[0]?.sd).toMatch(/^\[orgledger@32473 id="[^"]+" type="project.created" org="[^"]+" kind="audit" seq="\d+"\]$/);
        expect(parsed[0]?.body['project.created'].data.name).toBe('quote " and ] \\ é');
        const shown = await server.request('GET', `/v1/organization/log_streams/${made.body.id}`);
        await expect.poll(async () => (await server.request('GET', `/v1/organization/log_streams/${made.body.id}`)).body.lag.records).toBe(0);
        expect(shown.body.failed).toBe(0);
      } finally {
        await rsyslog.stop();
      }
    }, 60_000);
  }

  it('retries while the collector is down and marks the stream failing with its backlog kept', async () => {
    const rsyslog = await startRsyslog({ tls: false });
    const port = rsyslog.port;
    await rsyslog.stop();
    const made = await server.request('POST', '/v1/organization/log_streams', {
      body: { name: 'syslog-down', sink: { type: 'syslog', host: '127.0.0.1', port }, batch: { max_records: 10, max_wait_ms: 10 } },
    });
    const sent = await ingest('down', 1, 3);
    await expect
      .poll(async () => (await server.request('GET', `/v1/organization/log_streams/${made.body.id}`)).body.status, { timeout: 20_000 })
      .toBe('failing');
    const failing = await server.request('GET', `/v1/organization/log_streams/${made.body.id}`);
    expect(failing.body.last_error).toMatch(/^syslog: /);
    expect(failing.body.lag.records).toBeGreaterThanOrEqual(3);
    await server.request('DELETE', `/v1/organization/log_streams/${made.body.id}`);
    expect(sent.length).toBe(3);
  }, 60_000);
});
