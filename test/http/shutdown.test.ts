/**
 * Closing the server (serve's SIGTERM) waits for the requests in flight and for nothing else: a
 * connection that never sent a request does not hold it, a write in flight is still acknowledged, and
 * a request arriving meanwhile gets a 503 in the OpenAI envelope.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkResponse } from '../helpers/contract.js';
import { startServer } from '../helpers/server.js';

function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection. */
function readAll(socket: Socket): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8'))));
}

describe('shutdown', () => {
  it('does not wait for a connection that never sent a request (a preconnect)', async () => {
    const server = await startServer();
    const idle = await openSocket(server.url);
    const closedBy = readAll(idle);
    // Node counts such a connection as busy; before the fix close() waited out the 30-60 s headers timeout.
    await server.app.close();
    expect(await closedBy).toBe('');
    await server.close();
  }, 20_000);

  it('acknowledges a write in flight, answers a request arriving meanwhile with a 503 envelope, then closes', async () => {
    const server = await startServer();
    const socket = await openSocket(server.url);
    const received = readAll(socket);
    const body = JSON.stringify({ data: [{ type: 'project.created', 'project.created': { id: 'proj_closing' }, effective_at: 1_700_000_000 }] });
    const head = (method: string, path: string, length?: number) =>
      `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nAuthorization: Bearer ${server.adminKey}\r\n` +
      (length === undefined ? '\r\n' : `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`);
    // The write's headers and half its body: it is in flight when close begins.
    socket.write(head('POST', '/v1/organization/audit_logs', Buffer.byteLength(body)) + body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    const closed = server.app.close();
    await new Promise((r) => setTimeout(r, 200));
    // The rest of the body, and a second request on the same connection.
    socket.write(body.slice(10) + head('GET', '/v1/organization/audit_logs?limit=1'));
    await closed;
    const text = await received;
    const responses = text.split(/(?=HTTP\/1\.1 )/);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /);
    const ack = JSON.parse(responses[0]?.split('\r\n\r\n')[1] as string);
    expect(ack.data).toHaveLength(1);
    expect(responses[1]).toMatch(/^HTTP\/1\.1 503 /);
    expect(responses[1]?.toLowerCase()).toContain('connection: close');
    const refusal = JSON.parse(responses[1]?.split('\r\n\r\n')[1] as string);
    expect(refusal.error.code).toBe('unavailable');
    expect(checkResponse('GET', '/v1/organization/audit_logs', 503, refusal).errors).toEqual([]);
    // The acknowledged event is stored.
    const rows = await server.sql(`SELECT count(*) AS n FROM audit_events WHERE id = '${ack.data[0].id}'`);
    expect(Number(rows[0].n)).toBe(1);
    await server.close();
  }, 20_000);
});
