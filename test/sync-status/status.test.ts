/**
 * The mirror's status API (GET /v1/organization/sync) and its lock, in process on either engine: the
 * cursors and errors of every stream, the run in progress, the answer matching the served OpenAPI
 * schema; one lock holder at a time, a stale holder taken over.
 */
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { acquireSyncLock, SyncLockedError } from '../../src/features/sync/lock.js';
import { SyncStatus } from '../../src/features/sync/schemas.js';
import { systemClock } from '../../src/lib/clock.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const now = () => Math.floor(Date.now() / 1000);

describe('GET /v1/organization/sync', () => {
  it('answers an organization that is no mirror with no streams and nothing running', async () => {
    const res = await server.request('GET', '/v1/organization/sync');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ object: 'organization.sync_status', running: null, last_run_at: null, failing: false, streams: [] });
  });

  it("shows every stream's cursor, lag, last run and error, and the run holding the lock", async () => {
    const t = now();
    await server.store.write(async (tx) => {
      await tx.sync.putSyncCursor({ orgId: DEFAULT_ORG_ID, stream: 'audit', position: t - 600, lastRunAt: t - 60, lastError: null, records: 120 });
      await tx.sync.putSyncCursor({
        orgId: DEFAULT_ORG_ID,
        stream: 'usage.completions',
        position: t - 7200,
        lastRunAt: t - 30,
        lastError: 'upstream GET /organization/usage/completions answered 500: boom (request id req_1)',
        records: 7,
      });
    });
    const held = await acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock);
    try {
      const res = await server.request('GET', '/v1/organization/sync');
      expect(res.status).toBe(200);
      expect(Value.Check(SyncStatus, res.body)).toBe(true);
      expect(res.body.running).toEqual({ pid: process.pid, host: held.lock.host, started_at: held.lock.acquiredAt, lease_expires_at: held.lock.expiresAt });
      expect(res.body.last_run_at).toBe(t - 30);
      expect(res.body.failing).toBe(true);
      expect(res.body.streams).toEqual([
        { stream: 'audit', position: t - 600, lag_seconds: expect.any(Number), last_run_at: t - 60, last_error: null, records: 120 },
        {
          stream: 'usage.completions',
          position: t - 7200,
          lag_seconds: expect.any(Number),
          last_run_at: t - 30,
          last_error: expect.stringContaining('req_1'),
          records: 7,
        },
      ]);
      expect(res.body.streams[1].lag_seconds).toBeGreaterThanOrEqual(7200);
    } finally {
      await held.release();
    }
    expect((await server.request('GET', '/v1/organization/sync')).body.running).toBeNull();
  });

  it('is documented in the served OpenAPI document with its response schema', async () => {
    const doc = (await server.request('GET', '/openapi.json', { key: null })).body;
    const op = doc.paths['/organization/sync']?.get;
    expect(op?.operationId).toBe('get-sync-status');
    expect(op.responses['200'].content['application/json'].schema.properties.streams.type).toBe('array');
  });
});

describe('sync lock', () => {
  it('lets one holder in at a time and names it to the next', async () => {
    const first = await acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock);
    try {
      const second = acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock);
      await expect(second).rejects.toBeInstanceOf(SyncLockedError);
      await expect(second).rejects.toThrow(/another sync of organization org-default is running \(pid \d+ on /);
    } finally {
      await first.release();
    }
    const again = await acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock);
    await again.release();
  });

  it('takes over a lease that expired, and not a live one of another host', async () => {
    const t = now();
    const other = { orgId: DEFAULT_ORG_ID, host: 'elsewhere.invalid', pid: 1, acquiredAt: t - 600 };
    await server.store.write((tx) => tx.sync.takeSyncLock({ ...other, owner: 'elsewhere:1:live', expiresAt: t + 300 }, null));
    await expect(acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock)).rejects.toThrow(/pid 1 on elsewhere\.invalid/);
    // The same holder stopped renewing: its lease ran out.
    expect(await server.store.write((tx) => tx.sync.renewSyncLock(DEFAULT_ORG_ID, 'elsewhere:1:live', t - 1))).toBe(true);
    const taken = await acquireSyncLock(server.store, DEFAULT_ORG_ID, systemClock);
    expect((await server.store.sync.getSyncLock(DEFAULT_ORG_ID))?.owner).toBe(taken.lock.owner);
    // The old holder can neither renew nor release the new one's lock.
    expect(await server.store.write((tx) => tx.sync.renewSyncLock(DEFAULT_ORG_ID, 'elsewhere:1:live', t + 600))).toBe(false);
    await server.store.write((tx) => tx.sync.releaseSyncLock(DEFAULT_ORG_ID, 'elsewhere:1:live'));
    expect((await server.store.sync.getSyncLock(DEFAULT_ORG_ID))?.owner).toBe(taken.lock.owner);
    await taken.release();
    expect(await server.store.sync.getSyncLock(DEFAULT_ORG_ID)).toBeNull();
  });
});
