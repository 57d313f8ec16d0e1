/**
 * Test tiers (Vitest projects). `npm run test:fast` runs unit + http (SQLite, in-process, seconds);
 * `npm test` runs every project: the HTTP and store suites again on PostgreSQL (when
 * ORGLEDGER_TEST_DATABASE_URL names a server; .ci/run starts one), the spawned-CLI tests and the
 * browser tests (Debian chromium). ORGLEDGER_TEST_ENGINE pins the engine a project runs on
 * (test/helpers/pg.ts).
 */
import { defineConfig } from 'vitest/config';

/** In-process tests of the API and the store: run once per engine. */
const SERVER_TESTS = ['app', 'audit-logs', 'auth', 'costs', 'directory', 'http', 'keys', 'observability', 'usage', 'store', 'ledger', 'otlp', 'log-streams', 'sync-status'].map(
  (d) => `test/${d}/**/*.test.ts`,
);

const withPostgres = Boolean(process.env.ORGLEDGER_TEST_DATABASE_URL) && process.env.ORGLEDGER_TEST_ENGINE !== 'sqlite';
if (!withPostgres && !process.env.VITEST_WORKER_ID) {
  process.stderr.write('PostgreSQL project skipped: set ORGLEDGER_TEST_DATABASE_URL=postgres://user@host:port/db to run it (.ci/run starts one)\n');
}

const shared = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const, setupFiles: ['test/setup/contract.ts'] };

export default defineConfig({
  test: {
    ...shared,
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'http', include: SERVER_TESTS, env: { ORGLEDGER_TEST_ENGINE: 'sqlite' } } },
      ...(withPostgres ? [{ test: { ...shared, name: 'postgres', include: SERVER_TESTS, env: { ORGLEDGER_TEST_ENGINE: 'postgres' } } }] : []),
      { test: { ...shared, name: 'cli', include: ['test/cli/**/*.test.ts', 'test/cli-ops/**/*.test.ts', 'test/demo/**/*.test.ts', 'test/copy/**/*.test.ts', 'test/crash/**/*.test.ts', 'test/sync/**/*.test.ts'] } },
      { test: { ...shared, name: 'browser', include: ['test/console/**/*.test.ts'] } },
    ],
  },
});
