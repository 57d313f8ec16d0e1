/**
 * A read that ran past its time budget (ORGLEDGER_READ_TIMEOUT_MS): PostgreSQL's statement_timeout
 * (SQLSTATE 57014) or a SQLite reader worker stopped by the pool. The error handler answers 503
 * query_timeout without retry; nothing is wrong with the store, so readiness stays ok.
 */
export class ReadTimeoutError extends Error {
  override name = 'ReadTimeoutError';
  readonly code = 'ORGLEDGER_READ_TIMEOUT';
  constructor(
    readonly budgetMs: number,
    cause?: unknown,
  ) {
    super(`The query ran longer than its budget of ${budgetMs} ms.`, { cause });
  }
}
