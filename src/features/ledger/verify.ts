/**
 * Local verification (`orgledger verify --data|--database-url`): rebuilds every log from the stored
 * records and checks it against the stored leaf hashes and every signed checkpoint. A changed,
 * deleted, inserted or reordered record shows as a leaf whose record is missing or whose data no
 * longer hashes to the logged leaf; rewritten hashes show as checkpoints whose signed root the
 * records no longer give.
 */
import type { LogName } from './leaf-data.js';
import { leafHash, nodeHash, storedHashIndex } from './merkle.js';
import { openCheckpoint } from './note.js';
import { openPrune } from './retention.js';
import type { LedgerReads } from './store.js';

export interface VerifyProblem {
  orgId: string;
  log: LogName;
  leafIndex: number | null;
  recordId: string | null;
  what: string;
}

/** A log whose leaves below `prunedSize` were pruned by retention (a prune note that verified). */
export interface VerifyPruned {
  orgId: string;
  log: LogName;
  prunedSize: number;
  prunedAt: number;
  /** Leaves below prunedSize whose record is gone. */
  gone: number;
}

export interface VerifyResult {
  logs: number;
  leaves: number;
  checkpoints: number;
  pruned: VerifyPruned[];
  problems: VerifyProblem[];
}

const PAGE = 4096;

/** A running RFC 6962 root: the compact range's subtree hashes, largest first. */
class Frontier {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  count = 0;
  push(h: Buffer) {
    let node = { size: 1, hash: h };
    for (let top = this.stack.at(-1); top && top.size === node.size; top = this.stack.at(-1)) {
      this.stack.pop();
      node = { size: node.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.stack.push(node);
    this.count++;
  }
  root(): Buffer {
    let r = (this.stack.at(-1) as { hash: Buffer }).hash;
    for (let i = this.stack.length - 2; i >= 0; i--) r = nodeHash((this.stack[i] as { hash: Buffer }).hash, r);
    return r;
  }
}

export async function verifyLedger(
  reads: LedgerReads,
  verifierKey: string | null,
  progress: (done: number, total: number) => void = () => {},
): Promise<VerifyResult> {
  const states = await reads.ledgerLogStates();
  const total = states.reduce((n, s) => n + s.size, 0);
  const result: VerifyResult = { logs: states.length, leaves: 0, checkpoints: 0, pruned: [], problems: [] };
  for (const s of states) {
    const problem = (leafIndex: number | null, recordId: string | null, what: string) =>
      result.problems.push({ orgId: s.orgId, log: s.log, leafIndex, recordId, what });
    const checkpoints = await reads.ledgerCheckpoints(s.orgId, s.log);
    for (const cp of checkpoints) {
      if (cp.treeSize > s.size)
        problem(
          s.size,
          null,
          `checkpoint of size ${cp.treeSize} was signed but the log holds ${s.size} leaves: leaves ${s.size}..${cp.treeSize - 1} were removed`,
        );
      if (verifierKey) {
        try {
          const opened = openCheckpoint(cp.note, verifierKey);
          if (opened.treeSize !== cp.treeSize || opened.rootHash.toString('base64') !== cp.rootHash)
            problem(null, null, `checkpoint of size ${cp.treeSize}: its columns differ from its signed note`);
        } catch (err) {
          problem(null, null, `checkpoint of size ${cp.treeSize}: signature does not verify (${(err as Error).message})`);
        }
      }
    }
    const pruned = await prunedOf(reads, s.orgId, s.log, verifierKey, problem);
    if (pruned) result.pruned.push(pruned);
    const prunedSize = pruned?.prunedSize ?? 0;
    const bySize = new Map(checkpoints.map((c) => [c.treeSize, c]));
    const frontier = new Frontier();
    let found = 0; // records reached through the leaves
    for (let from = 0; from < s.size; from += PAGE) {
      const to = Math.min(s.size, from + PAGE);
      const leaves = await reads.ledgerLeaves(s.orgId, s.log, from, to);
      const stored = await reads.readLedgerHashes(
        s.orgId,
        s.log,
        Array.from({ length: to - from }, (_, i) => storedHashIndex(0, from + i)),
      );
      const byIndex = new Map<number, { recordId: string; data: string }[]>();
      for (const l of leaves) byIndex.set(l.leafIndex, [...(byIndex.get(l.leafIndex) ?? []), l]);
      for (let i = from; i < to; i++) {
        const logged = stored.get(storedHashIndex(0, i));
        const rows = byIndex.get(i) ?? [];
        found += rows.length;
        let h = logged;
        if (rows.length === 0) {
          if (i < prunedSize) (pruned as VerifyPruned).gone++;
          else problem(i, null, 'the record of this leaf is missing (deleted)');
        }
        for (const row of rows) {
          const computed = leafHash(row.data);
          if (!logged) problem(i, row.recordId, 'the logged leaf hash is missing');
          else if (!computed.equals(logged)) problem(i, row.recordId, 'the record differs from the logged leaf (changed, swapped or forged)');
          h = rows.length === 1 ? computed : h;
        }
        frontier.push(h ?? Buffer.alloc(32));
        const cp = bySize.get(i + 1);
        if (cp) {
          result.checkpoints++;
          if (frontier.root().toString('base64') !== cp.rootHash)
            problem(null, null, `checkpoint of size ${cp.treeSize}: the stored records do not give its signed root (records or logged hashes rewritten)`);
        }
      }
      result.leaves += to - from;
      progress(result.leaves, total);
    }
    // Records past the end of the log were inserted behind orgledger's back.
    for (const extra of await reads.ledgerLeaves(s.orgId, s.log, s.size, Number.MAX_SAFE_INTEGER)) {
      found++;
      problem(extra.leafIndex, extra.recordId, `a record sits at leaf ${extra.leafIndex}, beyond the log's ${s.size} leaves (inserted)`);
    }
    // Records no leaf reaches at all (e.g. a row only in PostgreSQL's partitioned audit_events): the
    // record tables hold more rows than the walk met.
    const stored = await reads.ledgerRecordCount(s.orgId, s.log);
    if (stored > found) {
      const unlogged = await reads.ledgerUnloggedRecords(s.orgId, s.log);
      for (const u of unlogged) problem(null, u.recordId, `a record is stored (${u.where}) that no leaf of the log names (inserted behind orgledger's back)`);
      if (unlogged.length === 0) problem(null, null, `${stored} records are stored but the log's leaves name only ${found} (inserted behind orgledger's back)`);
    }
  }
  return result;
}

/**
 * The log's pruned range: the largest pruned size among its prune notes that verify (signature, and
 * an origin naming this organization's log). A note that does not verify is a problem, and its range
 * is not taken as pruned, so the leaves it would excuse show as deleted.
 */
async function prunedOf(
  reads: LedgerReads,
  orgId: string,
  log: LogName,
  verifierKey: string | null,
  problem: (leafIndex: number | null, recordId: string | null, what: string) => void,
): Promise<VerifyPruned | null> {
  let best: VerifyPruned | null = null;
  for (const p of await reads.ledgerPrunes(orgId, log)) {
    if (verifierKey) {
      try {
        const opened = openPrune(p.note, verifierKey);
        if (opened.prunedSize !== p.prunedSize || !opened.origin.endsWith(`/${orgId}/${log}`))
          throw new Error(`it says ${opened.origin} pruned ${opened.prunedSize}, its row ${p.prunedSize}`);
      } catch (err) {
        problem(
          p.prunedSize,
          null,
          `the record that leaves below ${p.prunedSize} were pruned by retention does not verify (${(err as Error).message}): they count as deleted`,
        );
        continue;
      }
    }
    if (!best || p.prunedSize > best.prunedSize) best = { orgId, log, prunedSize: p.prunedSize, prunedAt: p.prunedAt, gone: 0 };
  }
  return best;
}
