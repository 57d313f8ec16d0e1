/**
 * The syslog sink: RFC 5424 messages over TCP with octet-counting framing (RFC 6587), optionally TLS
 * (RFC 5425). One connection per batch: the batch counts as acknowledged once every byte was handed to
 * the collector and the connection closed cleanly (plain syslog has no application-level ack).
 */
import { once } from 'node:events';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import type { SinkConfig, StreamRecord } from '../types.js';
import type { Batch, SendResult } from './sink.js';

/** facility 13 (log audit) * 8 + severity 6 (informational). */
const PRI = 13 * 8 + 6;
/** The SD-ID's enterprise number is 32473, the one RFC 5612 reserves for documentation and examples. */
const SD_ID = 'orgledger@32473';

/** PARAM-VALUE escaping (RFC 5424 6.3.3): `"`, `\` and `]` get a backslash. */
const sdValue = (v: string) => v.replace(/["\\\]]/g, (c) => `\\${c}`);
/** Header fields are PRINTUSASCII without spaces, bounded; anything else becomes '_'. */
const field = (v: string, max: number) => v.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';

export function syslogMessage(r: StreamRecord, orgId: string, host = hostname()): string {
  const ts = new Date(r.time * 1000).toISOString();
  const sd = `[${SD_ID} id="${sdValue(r.id)}" type="${sdValue(r.type)}" org="${sdValue(orgId)}" kind="${r.kind}" seq="${r.seq}"]`;
  return `<${PRI}>1 ${ts} ${field(host, 255)} orgledger - ${field(r.type, 32)} ${sd} ${JSON.stringify(r.body)}`;
}

/** Octet-counting frame: the message's length in bytes, a space, the message. */
export const frame = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

export async function sendSyslog(sink: SinkConfig, batch: Batch, _nowSeconds: number, timeoutMs = 10_000): Promise<SendResult> {
  const host = String(sink.host);
  const port = Number(sink.port);
  const payload = batch.records.map((r) => frame(syslogMessage(r, batch.orgId))).join('');
  let socket: Socket | undefined;
  try {
    socket =
      sink.tls === true
        ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...(typeof sink.ca === 'string' ? { ca: sink.ca } : {}) })
        : tcpConnect({ host, port });
    socket.setTimeout(timeoutMs, () => socket?.destroy(new Error(`syslog: no progress for ${timeoutMs} ms`)));
    await once(socket, sink.tls === true ? 'secureConnect' : 'connect');
    socket.end(payload);
    // 'close' after 'finish': every byte flushed and the connection shut down without an error.
    const [hadError] = (await once(socket, 'close')) as [boolean];
    if (hadError) return { ok: false, error: 'syslog: connection closed with an error' };
    return { ok: true };
  } catch (err) {
    socket?.destroy();
    return { ok: false, error: err instanceof Error ? `syslog: ${err.message}` : String(err) };
  }
}
