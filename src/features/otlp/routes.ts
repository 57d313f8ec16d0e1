/**
 * POST /v1/traces, the OTLP/HTTP trace receiver (OTLP 1.x): protobuf or JSON, gzip or plain. Its own
 * encapsulated plugin, because OTLP fixes its own wire: bodies are read as bytes here (the app's JSON
 * parsers and its refusal of compressed bodies do not apply), and every error is a google.rpc.Status
 * in the request's encoding, with the retryable codes (429, 503) carrying Retry-After.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseJson } from '../../http/body-parsers.js';
import { principalOf } from '../../http/principal.js';
import { type StoreHealth, storeFailureOf } from '../../http/store-failure.js';
import type { Clock } from '../../lib/clock.js';
import { ApiError, errors } from '../../lib/errors.js';
import type { PriceTable } from '../usage/price-table.js';
import type { UsageStore } from '../usage/store.js';
import type { AttributeMap } from './attribute-map.js';
import { BodyError, decodedBody } from './body.js';
import { decodeJson } from './json.js';
import { decodeProtobuf, encodeResponse, encodeStatus } from './proto.js';
import { exportSpans } from './service.js';
import { OtlpDecodeError, type OtlpSpan } from './spans.js';

export interface OtlpRouteDeps {
  store: UsageStore;
  clock: Clock;
  prices: PriceTable;
  attributeMap: AttributeMap;
  /** The most bytes a body may have, compressed and inflated alike. */
  bodyLimitBytes: number;
  maxPendingWrites: number;
  /** Told of store failures, so /readyz reports them as for every other route. */
  storeHealth?: StoreHealth;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

/** google.rpc.Code values for the HTTP statuses OTLP answers with. */
const RPC_CODE: Record<number, number> = { 400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 413: 8, 415: 3, 429: 8, 503: 14 };

function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

class OtlpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly api?: ApiError,
  ) {
    super(message);
  }

  /** The OpenAI error envelope of the same error: what orgledger's other routes answer. */
  envelope() {
    if (this.api) return this.api.toBody().error;
    const type = this.status === 429 ? 'rate_limit_error' : this.status >= 500 ? 'server_error' : 'invalid_request_error';
    return { message: this.message, type, param: null, code: null };
  }
}

function sendStatus(request: FastifyRequest, reply: FastifyReply, err: OtlpError): FastifyReply {
  reply.code(err.status);
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  const code = RPC_CODE[err.status] ?? 13;
  // OTLP/JSON clients ignore unknown fields, so the JSON Status also carries the OpenAI envelope
  // every other orgledger route answers with (one error shape for scripts and the admin SDKs).
  if (mediaType(request) === JSON_TYPE) return reply.type(JSON_TYPE).send({ code, message: err.message, error: err.envelope() });
  return reply.type(PROTOBUF).send(Buffer.from(encodeStatus(code, err.message)));
}

function otlpErrorOf(err: FastifyError, storeHealth: StoreHealth | undefined, bodyLimitBytes: number): OtlpError | null {
  if (err instanceof OtlpError) return err;
  // A 413 carries the envelope's request_too_large code, as every other route's 413 does.
  if (err instanceof BodyError) return new OtlpError(err.status, err.message, undefined, err.status === 413 ? errors.tooLarge(err.message) : undefined);
  if (err instanceof OtlpDecodeError) return new OtlpError(400, err.message);
  if (err instanceof ApiError) return new OtlpError(err.status, err.message, err.retryAfterSeconds, err);
  const failure = storeFailureOf(err);
  if (failure) {
    storeHealth?.note(failure);
    return new OtlpError(503, `The store is failing: ${failure.reason}. Nothing was written; retry later.`, 1);
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const message = `The request body is larger than ${bodyLimitBytes} bytes, the most this server accepts (ORGLEDGER_BODY_LIMIT_BYTES).`;
    return new OtlpError(413, message, undefined, errors.tooLarge(message));
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) return new OtlpError(err.statusCode, err.message);
  return null;
}

async function spansOf(request: FastifyRequest, deps: OtlpRouteDeps): Promise<OtlpSpan[]> {
  const type = mediaType(request);
  if (type !== PROTOBUF && type !== JSON_TYPE) throw new OtlpError(415, `Unsupported content type '${type}'. OTLP/HTTP takes ${PROTOBUF} or ${JSON_TYPE}.`);
  if (!Buffer.isBuffer(request.body)) throw new OtlpError(400, 'The request has no body.');
  const body = await decodedBody(request.body, request.headers['content-encoding'], deps.bodyLimitBytes);
  if (type === PROTOBUF) return decodeProtobuf(body);
  return decodeJson(parseJson(body.toString('utf8'), null));
}

export async function otlpRoutes(app: FastifyInstance, deps: OtlpRouteDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const known = otlpErrorOf(err, deps.storeHealth, deps.bodyLimitBytes);
    if (known) return sendStatus(request, reply, known);
    request.log.error({ err }, 'unhandled error');
    return sendStatus(request, reply, new OtlpError(500, 'The server had an error; the request id in x-request-id identifies it in the server log.'));
  });

  // decompress: false: @fastify/compress would inflate request bodies without a bound; body.ts bounds it
  app.post('/v1/traces', { decompress: false, config: { scope: 'usage.write', rawOtlpBody: true } }, async (request, reply) => {
    if (deps.store.pendingWrites() >= deps.maxPendingWrites) throw new OtlpError(429, 'orgledger is writing as fast as it can; retry shortly.', 1);
    const spans = await spansOf(request, deps);
    const principal = principalOf(request);
    const outcome = await exportSpans(deps, principal.orgId, spans, { keyId: principal.keyId, requestId: request.id });
    request.log.info(
      { spans: outcome.spans, recorded: outcome.recorded, ignored: outcome.ignored, rejected: outcome.partial?.rejectedSpans ?? 0 },
      'otlp export',
    );
    for (const w of outcome.warnings) request.log.warn({ model: w.model, tier: w.tier, records: w.records }, 'unpriced usage');
    if (mediaType(request) === JSON_TYPE) {
      const p = outcome.partial;
      return reply.type(JSON_TYPE).send(p ? { partialSuccess: { rejectedSpans: String(p.rejectedSpans), errorMessage: p.errorMessage } } : {});
    }
    return reply.type(PROTOBUF).send(Buffer.from(encodeResponse(outcome.partial)));
  });
}
