/**
 * The one place errors become responses: ApiError as is, Fastify's own 4xx (body too large, bad
 * content type, schema validation) translated, anything else a 500 that leaks nothing but the
 * request id. Every body is the OpenAI envelope.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ApiError, errors } from '../lib/errors.js';
import { describeAjvError } from '../lib/validator.js';
import { type StoreHealth, storeFailureOf } from './store-failure.js';

export function send(reply: FastifyReply, err: ApiError): FastifyReply {
  reply.code(err.status).type('application/json; charset=utf-8');
  if (err.shouldRetry !== undefined) reply.header('x-should-retry', String(err.shouldRetry));
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  return reply.send(err.toBody());
}

function translate(err: FastifyError, bodyLimitBytes: number): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err.validation && err.validation.length > 0) {
    const first = err.validation[0] as Parameters<typeof describeAjvError>[1];
    if (err.validationContext === 'body') {
      const { param, message } = describeAjvError('', first);
      return errors.invalidBody(message, param || null);
    }
    // Query parameters are named as they travel: effective_at[gte], event_types[2].
    const { param, message } = describeAjvError('', first, 'brackets');
    return errors.invalidParam(param, message);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.tooLarge(`The request body is larger than ${bodyLimitBytes} bytes, the most this server accepts (ORGLEDGER_BODY_LIMIT_BYTES).`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(String(err.message.split(': ').pop() ?? ''));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidBody('The request body is empty; send a JSON object.');
    // A store whose database is unreachable (PostgreSQL down or restarting): retryable, nothing was acknowledged.
    case 'ORGLEDGER_STORE_UNAVAILABLE':
      return errors.unavailable('The database is unavailable; retry shortly.');
    // A read past its time budget (the engine stopped it): nothing is wrong with the store.
    case 'ORGLEDGER_READ_TIMEOUT':
      return errors.readTimeout(Number((err as FastifyError & { budgetMs?: number }).budgetMs));
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError(err.statusCode, 'invalid_request_error', err.code ?? null, err.message, null, false);
  }
  return null;
}

export function registerErrorHandling(app: FastifyInstance, storeHealth?: StoreHealth): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const failure = storeFailureOf(err);
    if (failure) {
      storeHealth?.note(failure);
      request.log.error({ err }, 'store failing');
      return send(reply, errors.unavailable(`The store is failing: ${failure.reason}. Nothing was changed by this request; retry later.`));
    }
    const known = translate(err, app.initialConfig.bodyLimit ?? 0);
    if (known) return send(reply, known);
    request.log.error({ err }, 'unhandled error');
    return send(reply, errors.internal());
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) storeHealth?.writeSucceeded();
  });
  app.setNotFoundHandler((request, reply) => send(reply, errors.routeNotFound(request.method, request.url.split('?')[0] ?? '')));
}
