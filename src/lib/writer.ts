/**
 * A store that writes through transactions: `write()` runs `work` atomically and resolves only after
 * the commit is durable. Each feature names the transaction parts it writes (`Writer<{ audit: AuditWrites }>`),
 * so a service sees exactly the store it needs and nothing of the engine behind it.
 */
export interface Writer<Tx> {
  /** Runs `work` in a transaction shared with concurrent writes; resolves after the commit is durable. */
  write<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Writes queued but not yet committed (backpressure and metrics). */
  pendingWrites(): number;
}
