/**
 * The closed catalogue of errors orgledger returns. Domain code throws ApiError through these
 * constructors; the error handler (error-handler.ts) is the one place that turns them into the
 * OpenAI envelope {"error":{"message","type","param","code"}}.
 */
export type ErrorType = 'invalid_request_error' | 'authentication_error' | 'permission_error' | 'rate_limit_error' | 'server_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly code: string | null,
    message: string,
    readonly param: string | null = null,
    /** false tells the openai SDK not to retry (its default retries 408/409/429/5xx). */
    readonly shouldRetry?: boolean,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const errors = {
  invalidParam: (param: string, message: string) => new ApiError(400, 'invalid_request_error', 'invalid_value', message, param, false),
  missingParam: (param: string) =>
    new ApiError(400, 'invalid_request_error', 'missing_required_parameter', `Missing required parameter: '${param}'.`, param, false),
  invalidBody: (message: string, param: string | null = null) => new ApiError(400, 'invalid_request_error', 'invalid_body', message, param, false),
  unauthenticated: (message = 'Incorrect API key provided. You can find your admin API keys in orgledger (orgledger keys list).') =>
    new ApiError(401, 'invalid_request_error', 'invalid_api_key', message, null, false),
  missingScope: (scope: string) =>
    new ApiError(
      403,
      'invalid_request_error',
      'insufficient_permissions',
      `This admin API key lacks the scope '${scope}' required for this request.`,
      null,
      false,
    ),
  /** A key may grant only scopes it holds itself (no escalation through POST admin_api_keys). */
  scopesNotHeld: (scopes: string[]) =>
    new ApiError(
      403,
      'invalid_request_error',
      'insufficient_permissions',
      `This admin API key cannot grant scopes it does not hold: ${scopes.join(', ')}. Ask a key holding them, or an operator (orgledger keys create).`,
      'scopes',
      false,
    ),
  notFound: (what: string, param: string | null = null) => new ApiError(404, 'invalid_request_error', 'not_found', what, param, false),
  routeNotFound: (method: string, url: string) =>
    new ApiError(404, 'invalid_request_error', 'unknown_url', `Unrecognized request URL (${method} ${url}).`, null, false),
  conflict: (message: string, param: string | null) => new ApiError(409, 'invalid_request_error', 'conflict', message, param, false),
  tooLarge: (message: string) => new ApiError(413, 'invalid_request_error', 'request_too_large', message, null, false),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(
      415,
      'invalid_request_error',
      'unsupported_media_type',
      `Unsupported content type '${contentType}'. Send application/json or application/x-ndjson.`,
      null,
      false,
    ),
  unsupportedContentEncoding: (encoding: string) =>
    new ApiError(
      415,
      'invalid_request_error',
      'unsupported_content_encoding',
      `Unsupported content-encoding '${encoding}'. Send the body uncompressed.`,
      null,
      false,
    ),
  overloaded: (retryAfterSeconds: number) =>
    new ApiError(429, 'rate_limit_error', 'rate_limit_exceeded', 'orgledger is writing as fast as it can; retry shortly.', null, true, retryAfterSeconds),
  internal: () =>
    new ApiError(
      500,
      'server_error',
      'internal_error',
      'The server had an error while processing your request. The request id in x-request-id identifies it in the server log.',
      null,
    ),
  /** A read past its time budget: a server-side limit, not retried by the SDK (the same query would run out again). */
  readTimeout: (budgetMs: number) =>
    new ApiError(
      503,
      'server_error',
      'query_timeout',
      `The query ran longer than this server allows (${budgetMs} ms) and was stopped. Narrow it: a shorter time range, fewer group_by dimensions or a smaller limit.`,
      null,
      false,
    ),
  unavailable: (message: string) => new ApiError(503, 'server_error', 'unavailable', message, null, true, 1),
};
