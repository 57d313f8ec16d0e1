/**
 * The PostgreSQL engine: a pg Pool for reads, one pooled client per group-commit batch for writes.
 * Several orgledger processes may share the database: sequence numbers come from a row lock on the
 * organization held until commit, start-up races are settled by advisory locks, and a write that
 * loses a deadlock or a same-id race runs again from the start (its savepoint rolled it back).
 */
import type pg from 'pg';
import type { AuditListQuery, AuditPosition, StoredAuditEvent } from '../../features/audit-logs/types.js';
import type { AdminKeyRecord, Organization } from '../../features/keys/types.js';
import type { CostGroupRow, CostSegmentQuery, UnpricedUsage, UsageGroupRow, UsageSegmentQuery } from '../../features/usage/types.js';
import { GroupCommitter } from '../group-commit.js';
import type { AdminKeyPageQuery, Store, WriteTx } from '../store.js';
import { auditListSql } from './audit-list-sql.js';
import { createPool, isRetryableWriteError, storeError, waitForDatabase } from './connection.js';
import { migratePostgres, pendingPostgresMigrations } from './migrations.js';
import { MissingPartitionsError, PartitionManager } from './partitions.js';
import { type AdminKeyRow, type AuditEventRow, eventFromRow, keyFromRow, type OrganizationRow, orgFromRow } from './rows.js';
import { PgUsageReader } from './usage-store.js';
import { PgDriver, type PgWriteTx } from './write-tx.js';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  maxJobsPerBatch: number;
  autoMigrate: boolean;
  /** How long start-up waits for a database that is not answering yet. */
  connectWaitSeconds: number;
  /** Start-up progress (waiting for the database); defaults to stderr. */
  log?: (line: string) => void;
}

/** Runs of a write that lost a deadlock or a same-id race before its error is returned. */
const MAX_WRITE_ATTEMPTS = 5;
const DAY_MS = 24 * 60 * 60 * 1000;

export class PostgresStore implements Store {
  readonly engine = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly partitions: PartitionManager;
  private readonly committer: GroupCommitter<PgWriteTx>;
  private readonly ready: Promise<void>;
  private partitionTimer: NodeJS.Timeout | undefined;
  private migrationsApplied = 0;
  private readonly usageReader = new PgUsageReader((text, values) => this.rows(undefined, text, values));

  /** Connects in the background; every call waits for the connection and migrations (see ready()). */
  constructor(readonly options: PostgresOptions) {
    this.pool = createPool({ url: options.url, poolSize: options.poolSize });
    this.partitions = new PartitionManager(this.pool);
    this.committer = new GroupCommitter(new PgDriver(this.pool, this.partitions), options.maxJobsPerBatch);
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  /** Resolves once the database answers and the schema is current; rejects with the reason it cannot. */
  async whenReady(): Promise<void> {
    await this.ready;
  }

  /** How many migrations this process applied at start (after the store is ready). */
  async migrated(): Promise<number> {
    await this.ready;
    return this.migrationsApplied;
  }

  private async start(): Promise<void> {
    const log = this.options.log ?? ((line: string) => process.stderr.write(`orgledger: ${line}\n`));
    try {
      await waitForDatabase(this.pool, this.options.url, this.options.connectWaitSeconds, log);
      if (this.options.autoMigrate) this.migrationsApplied = await migratePostgres(this.pool);
      else if ((await pendingPostgresMigrations(this.pool)) > 0) {
        throw new Error('the PostgreSQL store needs migrations; run `orgledger migrate` or start without --no-auto-migrate');
      }
      await this.partitions.createAhead();
    } catch (err) {
      await this.pool.end().catch(() => undefined);
      throw err;
    }
    this.partitionTimer = setInterval(() => void this.partitions.createAhead().catch(() => undefined), DAY_MS);
    this.partitionTimer.unref();
  }

  async write<T>(work: (tx: WriteTx) => Promise<T>): Promise<T> {
    await this.ready;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.committer.run(work);
      } catch (err) {
        if (err instanceof MissingPartitionsError && attempt < MAX_WRITE_ATTEMPTS) {
          await this.partitions.create(err.months).catch((e) => {
            throw storeError(e);
          });
          continue;
        }
        if (isRetryableWriteError(err) && attempt < MAX_WRITE_ATTEMPTS) continue;
        throw storeError(err);
      }
    }
  }

  pendingWrites(): number {
    return this.committer.pending();
  }

  get commitStats() {
    return this.committer.stats;
  }

  async getOrganization(id: string): Promise<Organization | null> {
    const [row] = await this.rows<OrganizationRow>('org_get', 'SELECT * FROM organizations WHERE id = $1', [id]);
    return row ? orgFromRow(row) : null;
  }

  async listOrganizations(): Promise<Organization[]> {
    return (await this.rows<OrganizationRow>('org_list', 'SELECT * FROM organizations ORDER BY created_at, id', [])).map(orgFromRow);
  }

  async findAdminKeyByHash(secretHash: string): Promise<AdminKeyRecord | null> {
    const [row] = await this.rows<AdminKeyRow>('key_by_hash', 'SELECT * FROM admin_keys WHERE secret_hash = $1', [secretHash]);
    return row ? keyFromRow(row) : null;
  }

  async getAdminKey(orgId: string, id: string): Promise<AdminKeyRecord | null> {
    const [row] = await this.rows<AdminKeyRow>('key_get', 'SELECT * FROM admin_keys WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL', [orgId, id]);
    return row ? keyFromRow(row) : null;
  }

  async listAdminKeys(q: AdminKeyPageQuery): Promise<AdminKeyRecord[]> {
    const cmp = q.order === 'asc' ? '>' : '<';
    const dir = q.order === 'asc' ? 'ASC' : 'DESC';
    const values: unknown[] = [q.orgId];
    let cursor = '';
    if (q.after) {
      values.push(q.after.createdAt, q.after.id);
      cursor = `AND (created_at, id) ${cmp} ($2::bigint, $3::text)`;
    }
    values.push(q.fetch);
    const text = `SELECT * FROM admin_keys WHERE org_id = $1 AND revoked_at IS NULL ${cursor} ORDER BY created_at ${dir}, id ${dir} LIMIT $${values.length}`;
    return (await this.rows<AdminKeyRow>(`key_list_${dir}_${q.after ? 'c' : 'n'}`, text, values)).map(keyFromRow);
  }

  async findAuditPosition(orgId: string, id: string): Promise<AuditPosition | null> {
    const [row] = await this.rows<{ effective_at: number; seq: number }>(
      'audit_position',
      'SELECT effective_at, seq FROM audit_event_ids WHERE org_id = $1 AND id = $2',
      [orgId, id],
    );
    return row ? { effectiveAt: row.effective_at, seq: row.seq } : null;
  }

  async listAuditEvents(query: AuditListQuery): Promise<StoredAuditEvent[]> {
    const { text, values } = auditListSql(query);
    return (await this.rows<AuditEventRow>(undefined, text, values)).map(eventFromRow);
  }

  async queryUsage(query: UsageSegmentQuery): Promise<UsageGroupRow[]> {
    return this.usageReader.usage(query);
  }
  async queryCosts(query: CostSegmentQuery): Promise<CostGroupRow[]> {
    return this.usageReader.costs(query);
  }
  async listUnpricedUsage(orgId: string): Promise<UnpricedUsage[]> {
    return this.usageReader.unpriced(orgId);
  }

  private closing: Promise<void> | undefined;

  /** Idempotent: shutdown paths (signal handler, readiness tests, app hooks) may all ask. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.partitionTimer) clearInterval(this.partitionTimer);
    const started = await this.ready.then(
      () => true,
      () => false,
    );
    await this.committer.close();
    if (started) await this.pool.end();
  }

  /** A read on any pooled connection; fixed statements are prepared once per connection by name. */
  private async rows<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[]): Promise<R[]> {
    await this.ready;
    try {
      const result = await this.pool.query<R>(name ? { name: `orgledger_${name}`, text, values } : { text, values });
      return result.rows;
    } catch (err) {
      throw storeError(err);
    }
  }
}
