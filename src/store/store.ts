/**
 * The storage contract every engine implements (sqlite/ and postgres/). Each feature owns its part of
 * it (features/<feature>/store.ts: reads, writes and the narrow store its service takes); this file
 * only combines them. Services never see more than their part; no SQL lives outside store/. Reads are
 * plain async calls; every write goes through `write()`, which runs the work atomically and
 * acknowledges it only after commit. Engines group concurrent writes into one transaction (group
 * commit), isolating each write with a savepoint so one failing request never takes its neighbours down.
 */

import type { AuditStore, AuditWrites } from '../features/audit-logs/store.js';
import type { CostStore, CostWrites } from '../features/costs/store.js';
import type { KeyStore, KeyWrites } from '../features/keys/store.js';
import type { LedgerStore, LedgerWrites } from '../features/ledger/store.js';
import type { LiveTailStore } from '../features/live-tail/store.js';
import type { LogStreamStore, LogStreamWrites } from '../features/log-streams/store.js';
import type { SyncStore, SyncWrites } from '../features/sync/store.js';
import type { UsageStore, UsageWrites } from '../features/usage/store.js';

export type EngineName = 'sqlite' | 'postgres';

/** What a write's work receives: every feature's write part, all in the one transaction. */
export interface WriteTx {
  readonly keys: KeyWrites;
  readonly audit: AuditWrites;
  readonly usage: UsageWrites;
  readonly costs: CostWrites;
  readonly ledger: LedgerWrites;
  readonly sync: SyncWrites;
  readonly logStreams: LogStreamWrites;
}

/** The names of the parts (the compiler keeps this in step with WriteTx); instrumentation walks them. */
export const STORE_PARTS: Record<keyof WriteTx, true> = { keys: true, audit: true, usage: true, costs: true, ledger: true, sync: true, logStreams: true };

export interface Store extends KeyStore, AuditStore, UsageStore, CostStore, LedgerStore, SyncStore, LiveTailStore, LogStreamStore {
  readonly engine: EngineName;
  write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T>;
  pendingWrites(): number;
  /** Announces a write request whose write is not queued yet; call the result once it is (group commit gathers it). */
  expectWrite?(): () => void;
  /** Waits for queued writes, then closes the engine. */
  close(): Promise<void>;
}
