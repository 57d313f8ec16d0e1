/**
 * Test tiers (Vitest projects). `npm run test:fast` runs unit + http (SQLite, in-process, seconds);
 * `slow` holds the SQLite runs of server suites that build external tools;
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

/**
 * Server suites that start external programs (the Go verifier builds one, the syslog sink starts
 * rsyslogd, file modes spawn `orgledger serve`): too slow for the fast tier, so on SQLite they run
 * in the `slow` project (the postgres project runs them as before).
 */
const SLOW_SERVER_TESTS = ['test/ledger/go-verifier.test.ts', 'test/log-streams/deliver-syslog.test.ts', 'test/store/file-modes.test.ts'];

/**
 * Test files share one module graph per worker (isolate: false): every file otherwise re-imports
 * Fastify, Ajv and the 1 MB OpenAPI document and recompiles the contract validators. Measured on this
 * machine under the same load: 164 s -> 51 s user CPU, 6m25s -> 1m57s wall for unit + http. Each file
 * still builds its own app and store (or spawns its own processes), so nothing is shared but the
 * modules' immutable caches; no test writes process.env or mocks a module.
 */
const FAST = { isolate: false };

const withPostgres = Boolean(process.env.ORGLEDGER_TEST_DATABASE_URL) && process.env.ORGLEDGER_TEST_ENGINE !== 'sqlite';
if (!withPostgres && !process.env.VITEST_WORKER_ID) {
  process.stderr.write('PostgreSQL project skipped: set ORGLEDGER_TEST_DATABASE_URL=postgres://user@host:port/db to run it (.ci/run starts one)\n');
}

const shared = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const, setupFiles: ['test/setup/contract.ts'] };

export default defineConfig({
  test: {
    ...shared,
    // Vitest reads isolation from the root config only (one setting for its pool of forks).
    ...FAST,
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'http', include: SERVER_TESTS, exclude: SLOW_SERVER_TESTS, env: { ORGLEDGER_TEST_ENGINE: 'sqlite' } } },
      ...(withPostgres ? [{ test: { ...shared, name: 'postgres', include: SERVER_TESTS, env: { ORGLEDGER_TEST_ENGINE: 'postgres' } } }] : []),
      { test: { ...shared, name: 'cli', include: ['test/cli/**/*.test.ts', 'test/cli-ops/**/*.test.ts', 'test/demo/**/*.test.ts', 'test/copy/**/*.test.ts', 'test/crash/**/*.test.ts', 'test/sync/**/*.test.ts'] } },
      { test: { ...shared, name: 'slow', include: SLOW_SERVER_TESTS, env: { ORGLEDGER_TEST_ENGINE: 'sqlite' } } },
      { test: { ...shared, name: 'browser', include: ['test/console/**/*.test.ts'] } },
    ],
  },
});
