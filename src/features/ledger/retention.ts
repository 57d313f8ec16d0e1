/**
 * Retention (docs/ledger.md, "Retention"): per organization and log, record bodies older than the
 * policy are deleted in leaf order. A prune takes the longest prefix of the log whose records are all
 * older than the cutoff, and only leaves a signed checkpoint already covers. Leaf hashes stay, so
 * every checkpoint and every proof of a remaining record still verifies. Each prune is stored as a
 * note signed with the ledger key, `<origin>\npruned <size>\n<unix time>\n`, which `verify` (local and
 * remote) checks: leaves below a signed pruned size are "pruned by retention", a missing record
 * anywhere else is still tampering. Before deleting, each chunk's records are checked against their
 * logged leaf hashes: a changed or missing record stops the prune of that log, so retention never
 * erases the evidence of tampering.
 */

import type { Clock } from '../../lib/clock.js';
import type { Principal } from '../../lib/principal.js';
import { repeatEvery } from '../../lib/repeat-every.js';
import type { Writer } from '../../lib/writer.js';
import { validateEvent } from '../audit-logs/event-validation.js';
import { appendAuditEvents } from '../audit-logs/service.js';
import type { AuditWrites } from '../audit-logs/store.js';
import { actorOf } from '../keys/service.js';
import { LOG_NAMES, type LogName } from './leaf-data.js';
import { leafHash, storedHashIndex } from './merkle.js';
import { openNote } from './note.js';
import type { LedgerService } from './service.js';
import type { LedgerStore, LedgerWrites, StoredPrune } from './store.js';

/** The store retention needs: the ledger's reads, and writes that record the change as an audit event in the same transaction. */
export type RetentionStore = Omit<LedgerStore, 'write' | 'pendingWrites'> & Writer<{ ledger: LedgerWrites; audit: AuditWrites }>;

/**
 * The `changes_requested` key of the organization.updated event a retention change records, per log:
 * the new retention in seconds, or null (kept for ever). docs/ledger.md, "Retention", says why the
 * type is organization.updated.
 */
export const RETENTION_CHANGE_KEY: Record<LogName, string> = { audit: 'audit_log_retention_seconds', usage: 'usage_retention_seconds' };

export const pruneText = (origin: string, prunedSize: number, prunedAt: number): string => `${origin}\npruned ${prunedSize}\n${prunedAt}\n`;

export interface PruneStatement {
  origin: string;
  prunedSize: number;
  prunedAt: number;
}

/** Parses and verifies a signed prune note; throws with the reason when it does not verify. */
export function openPrune(note: string, verifierKey: string): PruneStatement {
  const lines = openNote(note, verifierKey).split('\n');
  const m = /^pruned (\d+)$/.exec(lines[1] ?? '');
  if (lines.length !== 4 || !m || !/^\d+$/.test(lines[2] ?? '')) throw new Error('malformed prune note');
  return { origin: lines[0] as string, prunedSize: Number(m[1]), prunedAt: Number(lines[2]) };
}

/** The largest pruned size of these prunes, or 0. */
export const prunedSizeOf = (prunes: StoredPrune[]): number => prunes.reduce((n, p) => Math.max(n, p.prunedSize), 0);

export interface PruneResult {
  orgId: string;
  log: LogName;
  /** Leaves [from, to) were pruned by this run (from === to: nothing was due). */
  from: number;
  to: number;
  /** Records deleted. */
  deleted: number;
  /** Why the prune stopped short, when a record in the range failed its check. */
  stopped?: string;
}

export interface RetentionState {
  name: LogName;
  retention_seconds: number | null;
  pruned_size: number;
  pruned_at: number | null;
}

export class RetentionService {
  private stopTimer: (() => void) | undefined;
  /** The pass in flight or queued, per organization ('*': all of them). */
  private readonly passes = new Map<string, Promise<PruneResult[]>>();
  /** The last pass queued: passes run one after another, never two at once (two would prune the same leaves). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: RetentionStore,
    private readonly clock: Clock,
    /** Signs checkpoints and prune notes: apply() needs it, set() and show() do not. */
    private readonly ledgerService?: LedgerService,
    /** Leaves deleted per transaction: each chunk commits with its own signed prune. */
    private readonly chunk = 10_000,
  ) {}

  /** Updates run one at a time, so the "before" each records is the value the previous one left. */
  private updates: Promise<unknown> = Promise.resolve();

  /**
   * Sets (seconds) or removes (null) the retention of some logs of the principal's organization and,
   * in the same transaction, records who changed what from what to what as one organization.updated
   * audit event (orgledger's own event, like api_key.created). A value set to what it already was is
   * no change: nothing is written for it, and no event when nothing changed.
   */
  update(principal: Principal, changes: Partial<Record<LogName, number | null>>): Promise<void> {
    const run = this.updates.catch(() => undefined).then(() => this.updateNow(principal, changes));
    this.updates = run;
    return run;
  }

  private async updateNow(principal: Principal, changes: Partial<Record<LogName, number | null>>): Promise<void> {
    const { orgId } = principal;
    const policies = await this.store.ledger.retentionPolicies(orgId);
    const requested: Record<string, number | null> = {};
    const previous: Record<string, number | null> = {};
    const changed: [LogName, number | null][] = [];
    for (const log of LOG_NAMES) {
      const seconds = changes[log];
      if (seconds === undefined) continue;
      const before = policies.find((p) => p.log === log)?.seconds ?? null;
      if (before === seconds) continue;
      changed.push([log, seconds]);
      requested[RETENTION_CHANGE_KEY[log]] = seconds;
      previous[RETENTION_CHANGE_KEY[log]] = before;
    }
    if (changed.length === 0) return;
    const at = this.clock.nowSeconds();
    const event = validateEvent(
      {
        type: 'organization.updated',
        effective_at: at,
        actor: actorOf(principal),
        'organization.updated': { id: orgId, changes_requested: requested, previous_values: previous },
      },
      'event',
      at,
    );
    await this.store.write(async (tx) => {
      for (const [log, seconds] of changed) await tx.ledger.setRetention(orgId, log, seconds, at);
      await appendAuditEvents(tx, orgId, [event], this.clock);
    });
  }

  async show(orgId: string): Promise<{ object: 'ledger.retention'; logs: RetentionState[] }> {
    const policies = await this.store.ledger.retentionPolicies(orgId);
    const logs: RetentionState[] = [];
    for (const name of LOG_NAMES) {
      const prunes = await this.store.ledger.ledgerPrunes(orgId, name);
      logs.push({
        name,
        retention_seconds: policies.find((p) => p.log === name)?.seconds ?? null,
        pruned_size: prunedSizeOf(prunes),
        pruned_at: prunes.at(-1)?.prunedAt ?? null,
      });
    }
    return { object: 'ledger.retention', logs };
  }

  /** The latest signed prune note of a log, or null. */
  async pruneNote(orgId: string, log: LogName): Promise<string | null> {
    return (await this.store.ledger.ledgerPrunes(orgId, log)).at(-1)?.note ?? null;
  }

  /**
   * Applies every policy (of one organization, or all). Single flight per organization (or per "all"):
   * a call while a pass for the same scope is running or queued gets that pass; a call for another scope
   * queues its own pass behind the current one (passes never overlap), so it never gets another
   * organization's results.
   */
  apply(orgId?: string): Promise<PruneResult[]> {
    const scope = orgId ?? '*';
    const pending = this.passes.get(scope);
    if (pending) return pending;
    const pass: Promise<PruneResult[]> = this.tail
      .catch(() => undefined)
      .then(() => this.applyPass(orgId))
      .finally(() => {
        if (this.passes.get(scope) === pass) this.passes.delete(scope);
      });
    this.passes.set(scope, pass);
    this.tail = pass;
    return pass;
  }

  private get ledger(): LedgerService {
    if (!this.ledgerService) throw new Error('retention: applying needs the ledger service (its signer)');
    return this.ledgerService;
  }

  private async applyPass(orgId: string | undefined): Promise<PruneResult[]> {
    const policies = await this.store.ledger.retentionPolicies(orgId);
    if (policies.length === 0) return [];
    // Sign what is there first: only leaves a checkpoint covers are pruned.
    await this.ledger.checkpointNow();
    const results: PruneResult[] = [];
    for (const p of policies) results.push(await this.prune(p.orgId, p.log, this.clock.nowSeconds() - p.seconds));
    return results;
  }

  private async prune(orgId: string, log: LogName, cutoff: number): Promise<PruneResult> {
    const reads = this.store.ledger;
    const start = prunedSizeOf(await reads.ledgerPrunes(orgId, log));
    const covered = (await reads.ledgerCheckpoint(orgId, log))?.treeSize ?? 0;
    const firstKept = await reads.ledgerFirstLeafSince(orgId, log, start, cutoff);
    const end = Math.min(firstKept ?? (await reads.ledgerLogSize(orgId, log)), covered);
    const result: PruneResult = { orgId, log, from: start, to: start, deleted: 0 };
    for (let from = start; from < end; ) {
      const to = Math.min(end, from + this.chunk);
      const bad = await this.firstUnverified(orgId, log, from, to);
      const upTo = bad?.leaf ?? to;
      if (upTo > from) {
        const prunedAt = this.clock.nowSeconds();
        const note = this.ledger.signer.sign(pruneText(this.ledger.originOf(orgId, log), upTo, prunedAt));
        result.deleted += await this.store.write((tx) => tx.ledger.pruneLedger({ orgId, log, prunedSize: upTo, prunedAt, note }, from));
        result.to = upTo;
      }
      if (bad) {
        result.stopped = `leaf ${bad.leaf}: ${bad.why} (not pruned; run verify)`;
        break;
      }
      from = to;
    }
    return result;
  }

  /** The first leaf in [from, to) whose record is missing or differs from its logged hash; null when all verify. */
  private async firstUnverified(orgId: string, log: LogName, from: number, to: number): Promise<{ leaf: number; why: string } | null> {
    const leaves = await this.store.ledger.ledgerLeaves(orgId, log, from, to);
    const logged = await this.store.ledger.readLedgerHashes(
      orgId,
      log,
      Array.from({ length: to - from }, (_, i) => storedHashIndex(0, from + i)),
    );
    const byIndex = new Map(leaves.map((l) => [l.leafIndex, l]));
    for (let i = from; i < to; i++) {
      const leaf = byIndex.get(i);
      if (!leaf) return { leaf: i, why: 'its record is missing' };
      if (!leafHash(leaf.data).equals(logged.get(storedHashIndex(0, i)) ?? Buffer.alloc(0)))
        return { leaf: i, why: `record ${leaf.recordId} differs from its logged hash` };
    }
    return null;
  }

  /** Applies retention every `intervalMs` until stop(). */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    this.stopTimer = repeatEvery(intervalMs, () => this.apply(), onError);
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.tail.catch(() => undefined);
  }
}
