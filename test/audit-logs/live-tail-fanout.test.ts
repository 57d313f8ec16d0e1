/**
 * The live tail's fan-out on a real listener and store (both engines): hundreds of clients with
 * different filters each receive every event exactly once, in sequence order, as the list endpoint
 * filters it; a client that does not read, live or while its backlog is sent, delays nobody and still
 * gets everything once it reads. Gates, not sleeps: every wait is for a message or a stream end.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actors, ingest, listAllIds } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { openSse, type SseMessage, type SseStream } from '../helpers/sse.js';

const PATH = '/v1/organization/audit_logs/stream';
const idOf = (m: SseMessage) => (JSON.parse(m.data) as { id: string }).id;

/** Query strings of the streams and the same filters as list parameters. */
const FILTERS: { query: string; list: Record<string, unknown> }[] = [
  { query: '', list: {} },
  { query: 'event_types[]=user.added', list: { event_types: ['user.added'] } },
  { query: 'project_ids[]=proj_a&project_ids[]=proj_c', list: { project_ids: ['proj_a', 'proj_c'] } },
  { query: 'event_types[]=project.created&project_ids[]=proj_b', list: { event_types: ['project.created'], project_ids: ['proj_b'] } },
];

function mixedEvents(batch: number, n: number, pad = ''): unknown[] {
  const projects = ['proj_a', 'proj_b', 'proj_c', 'proj_d'];
  return Array.from({ length: n }, (_, i) => {
    const project = { id: projects[(batch + i) % projects.length] as string, name: `p${batch}_${i}${pad}` };
    switch (i % 4) {
      case 0:
        return { type: 'user.added', 'user.added': { id: `user_${batch}_${i}` }, project };
      case 1:
        return { type: 'project.created', 'project.created': { id: project.id }, project };
      case 2:
        return { type: 'login.succeeded', project, actor: actors.session(`user_${i}`, `u${i}@example.com`) };
      default:
        // Tenant-scoped: in no stream without tenant_only, like the list.
        return { type: 'tenant.user.added', 'tenant.user.added': { id: `user_${batch}_${i}` }, project };
    }
  });
}

/** A client that reads its stream's first chunk (the join comment) and then nothing until `read()`. */
async function hungClient(url: string, key: string, headers: Record<string, string> = {}) {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(url, { headers: { authorization: `Bearer ${key}`, ...headers } }, resolve);
    req.on('error', reject);
    req.end();
  });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve) =>
    res.once('data', (chunk: Buffer) => {
      chunks.push(chunk);
      res.pause();
      resolve();
    }),
  );
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  /** The ids of the complete messages read so far. */
  const ids = () =>
    Buffer.concat(chunks)
      .toString('utf8')
      .split('\n\n')
      .slice(0, -1)
      .flatMap((block) => block.split('\n').filter((line) => line.startsWith('data: ')))
      .map((line) => (JSON.parse(line.slice('data: '.length)) as { id: string }).id);
  return {
    res,
    read: () => res.resume(),
    /** Resolves once the event with this id has been read. */
    until: (id: string) =>
      new Promise<string[]>((resolve, reject) => {
        const check = () => {
          if (ids().includes(id)) {
            res.off('data', check);
            resolve(ids());
          }
        };
        res.on('data', check);
        res.once('close', () => reject(new Error(`stream closed before ${id}: ${Buffer.concat(chunks).toString('utf8').slice(-300)}`)));
        check();
      }),
  };
}

describe('live tail fan-out to many clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('300 clients with four filters each get every matching event once, in order, as the list filters them', async () => {
    // 300 crosses the fan-out's slice of 250 clients per turn of the event loop.
    const clients: { stream: SseStream; filter: number }[] = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const filter = i % FILTERS.length;
        const query = (FILTERS[filter] as { query: string }).query;
        return { stream: await openSse(`${server.url}${PATH}${query ? `?${query}` : ''}`, server.adminKey), filter };
      }),
    );
    await Promise.all(clients.map((c) => c.stream.comment((x) => x.startsWith('orgledger'))));
    const ingested: string[] = [];
    let tenantScoped = 0;
    for (let batch = 0; batch <= 6; batch++) {
      // The last batch has large events: one fan-out's bytes for a client are cut into several writes.
      const events = batch < 6 ? mixedEvents(batch, 30) : mixedEvents(batch, 40, 'x'.repeat(8000));
      tenantScoped += events.filter((e) => (e as { type: string }).type.startsWith('tenant.')).length;
      ingested.push(...(await ingest(server, events)));
    }

    const listed = await Promise.all(FILTERS.map((f) => listAllIds(server, { ...f.list, limit: 100 })));
    const expected = listed.map((ids) => {
      const set = new Set(ids);
      return ingested.filter((id) => set.has(id));
    });
    expect(expected[0]?.length).toBe(ingested.length - tenantScoped);
    for (const list of expected.slice(1)) {
      expect(list.length).toBeGreaterThan(0);
      expect(list.length).toBeLessThan(expected[0]?.length as number);
    }
    await Promise.all(
      clients.map(async ({ stream, filter }) => {
        const mine = expected[filter] as string[];
        await stream.next((m) => idOf(m) === mine.at(-1));
        expect(stream.messages.map(idOf)).toEqual(mine);
        const seqs = stream.messages.map((m) => Number(m.id));
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        expect(new Set(seqs).size).toBe(seqs.length);
      }),
    );
    for (const c of clients) c.stream.close();
  });
});

describe('live tail with a client that does not read', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A bound far above what the test sends: the client that does not read is kept, not dropped.
    server = await startServer({ liveTailClientBufferBytes: 64 * 1024 * 1024 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('delays no other client, live or while its backlog is sent, and gets everything once it reads', async () => {
    const url = `${server.url}${PATH}`;
    const readers = await Promise.all(Array.from({ length: 20 }, () => openSse(url, server.adminKey)));
    await Promise.all(readers.map((r) => r.comment((x) => x.startsWith('orgledger'))));
    const hung = await hungClient(url, server.adminKey);

    // About 4 MB: far more than a socket that was never read takes in before its window closes.
    const first: string[] = [];
    for (let batch = 0; batch < 8; batch++) {
      const big = Array.from({ length: 64 }, (_, i) => ({
        type: 'user.added',
        'user.added': { id: `u_${batch}_${i}` },
        project: { id: 'p', name: 'x'.repeat(8000) },
      }));
      first.push(...(await ingest(server, big)));
    }
    // The gate: every reader has every event while the hung client has read only its first chunk.
    await Promise.all(readers.map((r) => r.next((m) => idOf(m) === first.at(-1))));
    for (const r of readers) expect(r.messages.map(idOf)).toEqual(first);

    // A second client that does not read, resuming from the start: its backlog waits for it to read.
    const catchingUp = await hungClient(url, server.adminKey, { 'last-event-id': '0' });
    const second = await ingest(
      server,
      Array.from({ length: 10 }, (_, i) => ({ type: 'user.added', 'user.added': { id: `later_${i}` } })),
    );
    await Promise.all(readers.map((r) => r.next((m) => idOf(m) === second.at(-1))));
    for (const r of readers) expect(r.messages.map(idOf)).toEqual([...first, ...second]);
    expect(hung.res.destroyed).toBe(false);
    expect(catchingUp.res.destroyed).toBe(false);

    hung.read();
    expect(await hung.until(second.at(-1) as string)).toEqual([...first, ...second]);
    catchingUp.read();
    const all = await catchingUp.until(second.at(-1) as string);
    // From sequence 0: the organization's earlier events (its start-up key's creation) come first.
    expect(all.slice(-(first.length + second.length))).toEqual([...first, ...second]);
    expect(new Set(all).size).toBe(all.length);
    hung.res.destroy();
    catchingUp.res.destroy();
    for (const r of readers) r.close();
  });
});
