/**
 * Per-query time budget on PostgreSQL (ORGLEDGER_READ_TIMEOUT_MS -> SET LOCAL statement_timeout):
 * another connection holds an exclusive lock on audit_events, so the list waits past its budget
 * without any sleep; the answer is a 503 query_timeout in the OpenAI envelope with x-should-retry:
 * false (not a 500), and the same read succeeds once the lock is gone. SQLite has no such budget
 * (see docs/limits.md), so this suite runs on PostgreSQL only.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, TEST_ENGINE, type TestServer } from '../helpers/server.js';

describe.skipIf(TEST_ENGINE !== 'postgres')('read time budget (PostgreSQL)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ readTimeoutMs: 300 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a read past its budget is a 503 query_timeout, not retried, and the connection stays usable', async () => {
    const locker = new pg.Client({ connectionString: server.config.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE audit_events IN ACCESS EXCLUSIVE MODE');
      const res = await server.request('GET', '/v1/organization/audit_logs?limit=5');
      expect(res.status, JSON.stringify(res.body)).toBe(503);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect(res.body.error.type).toBe('server_error');
      expect(res.body.error.code).toBe('query_timeout');
      expect(res.body.error.message).toContain('300 ms');
      // A budget overrun is not a store failure: readiness stays ok.
      expect((await server.request('GET', '/readyz', { key: null })).status).toBe(200);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
    }
    // The pooled connections are back to normal (no transaction left open, no timeout left set).
    for (let i = 0; i < 12; i++) expect((await server.request('GET', '/v1/organization/audit_logs?limit=5')).status).toBe(200);
  });
});
