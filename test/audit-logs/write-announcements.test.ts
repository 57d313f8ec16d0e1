/**
 * Write requests announce themselves to the group committer while their bodies are read (app.ts), so
 * a commit about to start can gather them (store/group-commit.ts). Every announcement must end with
 * its request, however the request ends: a write, a rejected body, a missing key, a client that hangs
 * up mid-body. One left behind would make every later batch wait for its bound.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GroupCommitStats } from '../../src/store/group-commit.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const PATH = '/v1/organization/audit_logs';
const announced = () => (server.store as unknown as { commitStats: GroupCommitStats }).commitStats.announced;
const event = (i: number) => ({
  type: 'project.updated',
  effective_at: 1_700_000_000 + i,
  project: { id: 'proj_announce' },
  'project.updated': { id: 'proj_announce', changes_requested: { title: `t${i}` } },
});

describe('write announcements', () => {
  it('end with the request: stored, bad JSON, unknown key, wrong content, read', async () => {
    const outcomes = await Promise.all([
      server.request('POST', PATH, { body: { data: [event(1), event(2)] } }),
      server.request('POST', PATH, { rawBody: '{"data": [', contentType: 'application/json' }),
      server.request('POST', PATH, { key: 'sk-not-a-key', body: { data: [event(3)] } }),
      server.request('POST', PATH, { rawBody: 'data', contentType: 'text/plain' }),
      server.request('GET', `${PATH}?limit=1`),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([200, 400, 401, 415, 200]);
    await vi.waitFor(() => expect(announced()).toBe(0));
  });

  it('ends when the client hangs up before the body is complete', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST ${PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${server.adminKey}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"data": [`,
    );
    await vi.waitFor(() => expect(announced()).toBe(1));
    socket.destroy();
    await vi.waitFor(() => expect(announced()).toBe(0));
    const after = await server.request('POST', PATH, { body: { data: [event(4)] } });
    expect(after.status).toBe(200);
  });
});
