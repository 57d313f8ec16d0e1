/**
 * Engine errors that mean the store itself is failing rather than the request: a damaged file, a
 * full disk, I/O errors. They answer 503 (retryable, nothing acknowledged) instead of a 500, and
 * /readyz reports the failure so a load balancer and the operator see it: until a later write
 * succeeds (a full disk freed), or for a damaged file until a restart (whose quick_check refuses it).
 */
const SQLITE_FAILURES: [RegExp, string, boolean][] = [
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the database file is damaged', true],
  [/^SQLITE_FULL/, 'the disk is full', false],
  [/^SQLITE_IOERR/, 'the disk reported an I/O error', false],
];
// PostgreSQL SQLSTATEs: disk_full, io_error, data_corrupted, index_corrupted.
const PG_FAILURES: Record<string, [string, boolean]> = {
  '53100': ['the database server is out of disk space', false],
  '58030': ['the database server reported an I/O error', false],
  XX001: ['the database reports damaged data', true],
  XX002: ['the database reports a damaged index', true],
};

export interface StoreFailure {
  reason: string;
  /** A damaged store does not heal while running. */
  sticky: boolean;
}

export function storeFailureOf(err: unknown): StoreFailure | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  for (const [pattern, what, sticky] of SQLITE_FAILURES) if (pattern.test(code)) return { reason: `${what} (${code})`, sticky };
  const pg = PG_FAILURES[code];
  return pg ? { reason: `${pg[0]} (SQLSTATE ${code})`, sticky: pg[1] } : null;
}

/** The last store failure, shared by the error handler (which notes it) and /readyz (which reports it). */
export class StoreHealth {
  failure: StoreFailure | null = null;

  note(failure: StoreFailure): void {
    if (!this.failure?.sticky) this.failure = failure;
  }

  /** A write went through: a transient failure is over. */
  writeSucceeded(): void {
    if (this.failure && !this.failure.sticky) this.failure = null;
  }
}
