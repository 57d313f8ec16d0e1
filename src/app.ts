/**
 * buildApp(config, deps): the one Fastify application, used alike by `serve`, the tests and the
 * benchmarks. It owns no resources: the caller opens the store and closes it after app.close().
 */
import { generateKeyPairSync } from 'node:crypto';
import { constants as zlib } from 'node:zlib';
import compress from '@fastify/compress';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from './config/config.js';
import { auditLogRoutes } from './features/audit-logs/routes.js';
import { AuditLogService } from './features/audit-logs/service.js';
import { costRoutes } from './features/costs/routes.js';
import { directoryRoutes } from './features/directory/routes.js';
import { keyRoutes } from './features/keys/routes.js';
import { KeyService } from './features/keys/service.js';
import { type NoteSigner, noteSigner } from './features/ledger/note.js';
import { RetentionService } from './features/ledger/retention.js';
import { ledgerRoutes } from './features/ledger/routes.js';
import { LedgerService } from './features/ledger/service.js';
import { liveTailRoutes } from './features/live-tail/routes.js';
import { LiveTail } from './features/live-tail/service.js';
import { Deliverer } from './features/log-streams/deliverer.js';
import { logStreamRoutes } from './features/log-streams/routes.js';
import { LogStreamService } from './features/log-streams/service.js';
import { parseAttributeMap } from './features/otlp/attribute-map.js';
import { otlpRoutes } from './features/otlp/routes.js';
import { syncRoutes } from './features/sync/routes.js';
import { loadPriceTable } from './features/usage/price-table.js';
import { usageRoutes } from './features/usage/routes.js';
import { type ParseYield, registerBodyParsers } from './http/body-parsers.js';
import { registerErrorHandling, send } from './http/error-handler.js';
import { clientErrorHandler, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, requestIdOf } from './http/hardening.js';
import { parseQueryString, registerQueryNormalization } from './http/query-string.js';
import { registerReadLimits } from './http/read-limits.js';
import { registerGracefulShutdown } from './http/shutdown.js';
import { StoreHealth } from './http/store-failure.js';
import { registerTextGuard } from './http/text-guard.js';
import { type Clock, systemClock } from './lib/clock.js';
import { errors } from './lib/errors.js';
import { ROUTE_AJV_OPTIONS } from './lib/validator.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerAuth } from './server/auth.js';
import { registerConsole } from './server/console.js';
import { registerHealth } from './server/health.js';
import { wakeOnAuditCommit } from './server/live-tail-wake.js';
import { instrumentStore, Metrics, registerMetrics } from './server/metrics.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';

export interface AppDeps {
  store: Store;
  clock?: Clock;
  /** false silences the request log (tests, benchmarks); otherwise config.logLevel applies. */
  logger?: boolean;
  /** The ledger's checkpoint signer (serve: the key file); default a fresh key for this app only (tests). */
  ledgerSigner?: NoteSigner;
  /** The turn a large body's parse gives the event loop between slices (http/body-parsers.ts); tests hold it with a gate. */
  bodyParseYield?: ParseYield;
}

export interface AppServices {
  keys: KeyService;
  auditLogs: AuditLogService;
  ledger: LedgerService;
  retention: RetentionService;
}

/** One registered route: what the auth matrix and the OpenAPI check walk, so a new route cannot be forgotten. */
export interface RouteSummary {
  method: string;
  url: string;
  /** The scope a key needs; undefined for public routes. */
  scope: string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
    routeTable: readonly RouteSummary[];
  }
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const metrics = new Metrics();
  const instrumented = instrumentStore(deps.store, metrics);
  // The live tail polls the store; commits of this process wake it early (see server/live-tail-wake.ts).
  let liveTail: LiveTail | undefined;
  const store = wakeOnAuditCommit(instrumented, (orgIds) => liveTail?.wake(orgIds));
  const app = Fastify({
    logger: deps.logger === false ? false : { level: config.logLevel },
    // One line per request, at completion, from registerMetrics (id, method, route, status, duration).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    // A client's x-request-id is echoed and logged only when safe (see hardening.ts).
    requestIdHeader: false,
    genReqId: requestIdOf,
    requestTimeout: REQUEST_TIMEOUT_MS,
    // Requests arriving while closing get the OpenAI envelope from registerGracefulShutdown instead.
    return503OnClosing: false,
    clientErrorHandler,
    routerOptions: { querystringParser: parseQueryString, ignoreTrailingSlash: true },
    // The SDK's base URL ends in /v1; bare /organization/... works as well.
    rewriteUrl: (req) => (req.url?.startsWith('/organization/') ? `/v1${req.url}` : (req.url ?? '/')),
    ajv: { customOptions: { ...ROUTE_AJV_OPTIONS } },
    // Errors Fastify raises before any hook runs (an undecodable URL) still get the envelope and a request id.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
      send(reply, errors.invalidParam('url', `The request URL is not valid: ${error.message}`));
    },
  });

  const signer =
    deps.ledgerSigner ?? noteSigner(config.ledgerOrigin, generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const ledger = new LedgerService(store, signer, config.ledgerOrigin, clock);
  const services: AppServices = {
    keys: new KeyService(store, clock, config.adminKey),
    auditLogs: new AuditLogService(store, clock, async (orgId, keyId) => (await store.keys.getAdminKey(orgId, keyId)) !== null),
    ledger,
    retention: new RetentionService(store, clock, ledger),
  };
  liveTail = new LiveTail(
    store.liveTail,
    { pollMs: config.liveTailPollMs, heartbeatMs: config.liveTailHeartbeatSeconds * 1000, keyRecheckMs: config.liveTailKeyRecheckSeconds * 1000 },
    async (orgId, secret) => {
      const key = await services.keys.authenticate(secret);
      return key !== null && key.orgId === orgId && key.scopes.includes('audit_logs.read');
    },
    (err) => app.log.warn({ err }, 'live tail poll failed'),
  );
  app.decorate('services', services);
  app.decorate('ingestSettings', { clock, maxClockSkewSeconds: config.maxClockSkewSeconds });
  const routeTable: RouteSummary[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, scope: route.config?.scope });
    }
  });

  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id).header('x-content-type-options', 'nosniff');
  });
  // Group commits grow with the load: a write request announces itself while its body is read and
  // parsed, so a commit about to start gathers it (bounded wait; store/group-commit.ts, ADR 0007).
  // Released in preHandler (the handler queues the write next) or, if it never gets there (401, 413,
  // bad JSON, client gone), when the response closes.
  const expecting = new WeakMap<object, () => void>();
  if (deps.store.expectWrite) {
    const expectWrite = deps.store.expectWrite.bind(deps.store);
    app.addHook('onRequest', async (request, reply) => {
      if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH' && request.method !== 'DELETE') return;
      const release = expectWrite();
      expecting.set(request, release);
      reply.raw.once('close', release);
    });
    app.addHook('preHandler', async (request) => {
      expecting.get(request)?.();
    });
  }
  registerGracefulShutdown(app);
  // gzip or br as the client's Accept-Encoding allows (the costs view's pages run to megabytes of
  // JSON); small bodies stay plain. Brotli's default quality 11 costs far more CPU than it saves here.
  // Request bodies are not inflated by the plugin (it has no bound on the inflated size): the body
  // parsers inflate gzip and deflate themselves, bounded (http/inflate.ts).
  await app.register(compress, {
    global: true,
    globalDecompression: false,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });
  const storeHealth = new StoreHealth();
  registerErrorHandling(app, storeHealth);
  registerQueryNormalization(app);
  registerBodyParsers(app, { bodyLimitBytes: config.bodyLimitBytes, ...(deps.bodyParseYield ? { pause: deps.bodyParseYield } : {}) });
  registerTextGuard(app);
  registerAuth(app, services.keys, store);
  registerReadLimits(app, { perKey: config.readConcurrencyPerKey, perOrg: config.readConcurrencyPerOrg, retryAfterSeconds: 1 });

  const openApi = buildOpenApiDocument(VERSION);
  app.get('/openapi.json', async () => openApi);
  registerHealth(app, store, storeHealth);
  registerMetrics(app, store, metrics, clock);

  await app.register(auditLogRoutes, { auditLogs: services.auditLogs, store, maxPendingWrites: config.maxPendingWrites, nowSeconds: () => clock.nowSeconds() });
  await app.register(keyRoutes, { keys: services.keys });
  await app.register(liveTailRoutes, { liveTail, clientBufferBytes: config.liveTailClientBufferBytes });
  const prices = loadPriceTable(config.pricesFile);
  const leafIndexes = (orgId: string, ids: string[]) => store.ledger.ledgerUsageLeafIndexes(orgId, ids);
  await app.register(usageRoutes, { store, clock, prices, maxPendingWrites: config.maxPendingWrites, leafIndexes });
  await app.register(costRoutes, { store, clock, prices, maxPendingWrites: config.maxPendingWrites, leafIndexes });
  await app.register(logStreamRoutes, { logStreams: new LogStreamService(store, clock) });
  await app.register(ledgerRoutes, { ledger: services.ledger, retention: services.retention });
  await app.register(syncRoutes, { store, clock });
  app.addHook('onClose', async () => {
    await services.retention.stop();
    await services.ledger.stop();
  });
  if (config.logStreamPollMs > 0) {
    // Log streams deliver from this process (a lease per stream keeps one deliverer per stream across processes).
    const deliverer = new Deliverer(
      store,
      clock,
      {
        pollMs: config.logStreamPollMs,
        backoffMs: config.logStreamBackoffMs,
        maxBackoffMs: config.logStreamMaxBackoffMs,
        failAfter: config.logStreamFailAfter,
        leaseMs: config.logStreamLeaseMs,
      },
      (err) => app.log.warn({ err }, 'log stream delivery failed'),
    );
    app.addHook('onReady', async () => deliverer.start());
    app.addHook('onClose', () => deliverer.stop());
  }
  const attributeMap = parseAttributeMap(config.otlpAttributeMap);
  await app.register(otlpRoutes, {
    store,
    clock,
    prices,
    attributeMap,
    bodyLimitBytes: config.bodyLimitBytes,
    maxPendingWrites: config.maxPendingWrites,
    storeHealth,
  });
  await app.register(directoryRoutes, { store });
  // The web console (static files at /), a client of the API above like any other.
  registerConsole(app);
  return app;
}
