/**
 * Writes on PostgreSQL: the group-commit driver (one pooled client per batch, a savepoint per job) and
 * the WriteTx a job receives, which holds each feature's write part on the batch's client.
 */
import type pg from 'pg';
import type { TransactionDriver } from '../group-commit.js';
import type { WriteTx } from '../store.js';
import { PgAuditWrites } from './audit-store.js';
import { PgKeyWrites } from './key-store.js';
import { PgLedgerWrites } from './ledger-store.js';
import { PgLogStreamWrites } from './log-stream-store.js';
import type { PartitionManager } from './partitions.js';
import { PgSyncWrites } from './sync-store.js';
import { PgUsageWriter } from './usage-store.js';

export class PgDriver implements TransactionDriver<PgWriteTx> {
  constructor(
    private readonly pool: pg.Pool,
    private readonly partitions: PartitionManager,
  ) {}

  async begin(): Promise<PgWriteTx> {
    const client = await this.pool.connect();
    const tx = new PgWriteTx(client, this.partitions);
    // A connection lost between statements emits 'error' on the client; the next statement fails with it.
    client.on('error', tx.onClientError);
    try {
      await client.query('BEGIN');
    } catch (err) {
      tx.done(err);
      throw err;
    }
    return tx;
  }
  async savepoint(tx: PgWriteTx) {
    await tx.client.query('SAVEPOINT job');
  }
  async release(tx: PgWriteTx) {
    await tx.client.query('RELEASE SAVEPOINT job');
  }
  async rollbackToSavepoint(tx: PgWriteTx) {
    await tx.client.query('ROLLBACK TO SAVEPOINT job');
    await tx.client.query('RELEASE SAVEPOINT job');
  }
  async commit(tx: PgWriteTx) {
    try {
      await tx.client.query('COMMIT');
    } catch (err) {
      tx.done(err);
      throw err;
    }
    tx.done();
  }
  async rollback(tx: PgWriteTx) {
    if (tx.released) return;
    try {
      await tx.client.query('ROLLBACK');
      tx.done();
    } catch (err) {
      tx.done(err);
    }
  }
}

export class PgWriteTx implements WriteTx {
  released = false;
  private lostConnection: unknown;
  readonly keys: PgKeyWrites;
  readonly audit: PgAuditWrites;
  readonly usage: PgUsageWriter;
  /** Cost entries feed the same cost rollups as usage: one writer serves both parts. */
  readonly costs: PgUsageWriter;
  readonly logStreams: PgLogStreamWrites;
  readonly ledger: PgLedgerWrites;
  readonly sync: PgSyncWrites;

  constructor(
    readonly client: pg.PoolClient,
    partitions: PartitionManager,
  ) {
    this.keys = new PgKeyWrites(client);
    this.audit = new PgAuditWrites(client, partitions);
    this.usage = new PgUsageWriter(client, partitions);
    this.costs = this.usage;
    this.logStreams = new PgLogStreamWrites(client);
    this.ledger = new PgLedgerWrites(client);
    this.sync = new PgSyncWrites(client);
  }

  readonly onClientError = (err: unknown) => {
    this.lostConnection = err;
  };

  /** Returns the client to the pool; a client whose connection failed is destroyed instead. */
  done(err?: unknown): void {
    if (this.released) return;
    this.released = true;
    this.client.off('error', this.onClientError);
    this.client.release(err !== undefined || this.lostConnection !== undefined ? ((err ?? this.lostConnection) as Error) : undefined);
  }
}
