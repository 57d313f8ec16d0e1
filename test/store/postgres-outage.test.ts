/**
 * The database goes away while orgledger runs: requests answer 503 with the OpenAI error envelope, the
 * process stays up, and it recovers when the database returns. The outage is a TCP proxy between
 * orgledger and PostgreSQL that we cut and restore.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { KeyService } from '../../src/features/keys/service.js';
import { systemClock } from '../../src/lib/clock.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { checkResponse } from '../helpers/contract.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';

class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = tcpConnect(this.targetPort, this.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    const address = server.address();
    if (address && typeof address === 'object') this.port = address.port;
    this.server = server;
  }
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (!PG_TEST_URL) {
  describe.skip(`PostgreSQL outage (${PG_SKIP_MESSAGE})`, () => {
    it('is skipped', () => undefined);
  });
} else {
  describe('PostgreSQL outage while serving', () => {
    let db: TestDatabase;
    let proxy: CuttableProxy;
    let store: Store;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let url: string;
    let secret: string;

    beforeAll(async () => {
      db = await freshTestDatabase();
      const target = new URL(db.url);
      proxy = new CuttableProxy(target.hostname, Number(target.port || 5432));
      await proxy.up();
      target.hostname = '127.0.0.1';
      target.port = String(proxy.port);
      const config = loadConfig({ env: {}, flags: { port: 0, logLevel: 'silent', databaseUrl: target.toString() } });
      store = openStore({ ...config, pgPoolSize: 4, maxBatchJobs: 100, pgConnectWaitSeconds: 5 });
      secret = (await new KeyService(store, systemClock).bootstrap(undefined))?.secret as string;
      app = await buildApp(config, { store, logger: false });
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    });
    afterAll(async () => {
      await proxy?.up();
      await app?.close();
      await store?.close();
      await db?.drop();
      await proxy?.down();
    });

    const call = async (method: 'GET' | 'POST', body?: unknown) => {
      const res = await fetch(`${url}/v1/organization/audit_logs`, {
        method,
        headers: { authorization: `Bearer ${secret}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    };
    const ingest = (id: string) => call('POST', { data: [{ id, type: 'project.created', effective_at: 1_700_000_000, 'project.created': { id: 'proj_1' } }] });

    it('answers 503 with the envelope while the database is away, and recovers when it returns', async () => {
      expect((await ingest('evt_before')).status).toBe(200);

      await proxy.down();
      for (const res of [await call('GET'), await ingest('evt_during')]) {
        expect(res.status).toBe(503);
        expect(res.body.error).toMatchObject({ type: 'server_error', code: 'unavailable' });
        expect(checkResponse('GET', '/v1/organization/audit_logs', res.status, res.body).errors).toEqual([]);
        expect(res.headers.get('retry-after')).toBe('1');
      }

      await proxy.up();
      let after = await ingest('evt_after');
      for (let attempt = 0; after.status === 503 && attempt < 20; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = await ingest('evt_after');
      }
      expect(after.status).toBe(200);
      const list = await call('GET');
      expect(list.status).toBe(200);
      const ids = list.body.data.map((e: { id: string }) => e.id);
      expect(ids).toContain('evt_before');
      expect(ids).toContain('evt_after');
      expect(ids).not.toContain('evt_during');
      const seqs = await db.query<{ seq: number }>('SELECT seq::int AS seq FROM audit_events ORDER BY seq');
      expect(seqs.map((r) => r.seq)).toEqual([1, 2]);
    });
  });
}
