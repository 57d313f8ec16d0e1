/**
 * buildApp(config, deps): the one Fastify application, used alike by `serve`, the tests and the
 * benchmarks. It owns no resources: the caller opens the store and closes it after app.close().
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from './config/config.js';
import { auditLogRoutes } from './features/audit-logs/routes.js';
import { AuditLogService } from './features/audit-logs/service.js';
import { loadPriceTable } from './features/costs/price-table.js';
import { costRoutes } from './features/costs/routes.js';
import { keyRoutes } from './features/keys/routes.js';
import { KeyService } from './features/keys/service.js';
import { usageRoutes } from './features/usage/routes.js';
import { registerAuth } from './http/auth.js';
import { registerBodyParsers } from './http/body-parsers.js';
import { registerConsole } from './http/console.js';
import { registerErrorHandling, send } from './http/error-handler.js';
import { errors } from './http/errors.js';
import { registerHealth } from './http/health.js';
import { instrumentStore, Metrics, registerMetrics } from './http/metrics.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { parseQueryString } from './http/query-string.js';
import { StoreHealth } from './http/store-failure.js';
import { type Clock, systemClock } from './lib/clock.js';
import type { Store } from './store/store.js';
import { VERSION } from './version.js';

export interface AppDeps {
  store: Store;
  clock?: Clock;
  /** false silences the request log (tests, benchmarks); otherwise config.logLevel applies. */
  logger?: boolean;
}

export interface AppServices {
  keys: KeyService;
  auditLogs: AuditLogService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: AppServices;
  }
}

export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const metrics = new Metrics();
  const store = instrumentStore(deps.store, metrics);
  const app = Fastify({
    logger: deps.logger === false ? false : { level: config.logLevel },
    // One line per request, at completion, from registerMetrics (id, method, route, status, duration).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => `req_${randomBytes(12).toString('hex')}`,
    routerOptions: { querystringParser: parseQueryString, ignoreTrailingSlash: true },
    // The SDK's base URL ends in /v1; bare /organization/... works as well.
    rewriteUrl: (req) => (req.url?.startsWith('/organization/') ? `/v1${req.url}` : (req.url ?? '/')),
    ajv: { customOptions: { coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false } },
    // Errors Fastify raises before any hook runs (an undecodable URL) still get the envelope and a request id.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-request-id', request.id);
      send(reply, errors.invalidParam('url', `The request URL is not valid: ${error.message}`));
    },
  });

  const services: AppServices = { keys: new KeyService(store, clock, config.adminKey), auditLogs: new AuditLogService(store, clock) };
  app.decorate('services', services);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  const storeHealth = new StoreHealth();
  registerErrorHandling(app, storeHealth);
  registerBodyParsers(app);
  registerAuth(app, services.keys, store);

  const openApi = buildOpenApiDocument(VERSION);
  app.get('/openapi.json', async () => openApi);
  registerHealth(app, store, storeHealth);
  registerMetrics(app, store, metrics);

  await app.register(auditLogRoutes, { auditLogs: services.auditLogs, store, maxPendingWrites: config.maxPendingWrites });
  await app.register(keyRoutes, { keys: services.keys });
  const prices = loadPriceTable(config.pricesFile);
  await app.register(usageRoutes, { store, clock, prices, maxPendingWrites: config.maxPendingWrites });
  await app.register(costRoutes, { store, clock, prices, maxPendingWrites: config.maxPendingWrites });
  // The web console (static files at /), a client of the API above like any other.
  registerConsole(app);
  return app;
}
