/**
 * Local verification (`orgledger verify --data|--database-url`): rebuilds every log from the stored
 * records and checks it against the stored leaf hashes and every signed checkpoint. A changed,
 * deleted, inserted or reordered record shows as a leaf whose record is missing or whose data no
 * longer hashes to the logged leaf; rewritten hashes show as stored subtree hashes that are not the
 * hash of their halves, and as checkpoints whose signed root the records no longer give.
 *
 * One pass per log, in pages of PAGE leaves: one range scan of the records and one of the stored
 * hashes (every stored hash is checked: each leaf's against its record, each subtree's against its
 * halves), hashed with reusable buffers, audit bodies canonicalized only when the fast sorted-bytes
 * candidate does not match (leaf-hasher.ts).
 */
import { availableParallelism } from 'node:os';
import type { LogName } from './leaf-data.js';
import { LeafHashPool } from './leaf-hash-pool.js';
import { LeafHasher } from './leaf-hasher.js';
import { storedHashIndex } from './merkle.js';
import { openCheckpoint } from './note.js';
import { openPrune } from './retention.js';
import type { LedgerLogState, LedgerReads } from './store.js';

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

/** Leaves per round trip: one range scan of records and one of stored hashes each. */
const PAGE = 16_384;
/** Hashing keeps up with reading and walking on one or two more cores; more would sit idle. */
const MAX_WORKERS = 2;
const ZERO = Buffer.alloc(32);

const sameHash = (a: Buffer, aAt: number, b: Buffer, bAt: number): boolean => {
  for (let k = 0; k < 32; k++) if (a[aAt + k] !== b[bAt + k]) return false;
  return true;
};

/** 32 bytes from `from` at `at` to the start of `to` (a byte loop: cheaper than Buffer.copy's checks at this size). */
const copy32 = (from: Buffer, at: number, to: Buffer): void => {
  for (let k = 0; k < 32; k++) to[k] = from[at + k] as number;
};

/**
 * The pending left subtree at each level of the running tree (the compact range, as a binary counter):
 * its hash recomputed from the records, the stored hash at its index (if present), and whether every
 * record below matched its logged leaf hash ("clean"). Buffers are allocated once per level and
 * overwritten.
 */
class Frontier {
  readonly computed: Buffer[] = [];
  readonly stored: Buffer[] = [];
  readonly hasStored: boolean[] = [];
  readonly clean: boolean[] = [];
  set(level: number, computed: Buffer, computedAt: number, stored: Buffer | null, storedAt: number, clean: boolean): void {
    while (this.computed.length <= level) {
      this.computed.push(Buffer.alloc(32));
      this.stored.push(Buffer.alloc(32));
      this.hasStored.push(false);
      this.clean.push(false);
    }
    copy32(computed, computedAt, this.computed[level] as Buffer);
    if (stored) copy32(stored, storedAt, this.stored[level] as Buffer);
    this.hasStored[level] = stored !== null;
    this.clean[level] = clean;
  }
  /** The root of the first `size` leaves (size = the leaves pushed so far), from the recomputed hashes. */
  root(size: number, hasher: LeafHasher): Buffer {
    let r: Buffer | null = null;
    for (let level = 0, n = size; n > 0; level++, n = Math.floor(n / 2)) {
      if (n % 2 === 0) continue;
      const h = this.computed[level] as Buffer;
      r = r === null ? h : hasher.node(h, 0, r, 0);
    }
    return r ?? ZERO;
  }
}

export async function verifyLedger(
  reads: LedgerReads,
  verifierKey: string | null,
  progress: (done: number, total: number) => void = () => {},
  /** Leaves per page (tests set a small one to cross pages inside subtrees). */
  pageSize = PAGE,
  /** Worker threads that hash leaves; by default one per other core, none for a log of a few pages. */
  workers?: number,
): Promise<VerifyResult> {
  const states = await reads.ledgerLogStates();
  const total = states.reduce((n, s) => n + s.size, 0);
  const pool = new LeafHashPool(workers ?? (total >= 4 * pageSize ? Math.max(0, Math.min(MAX_WORKERS, availableParallelism() - 1)) : 0));
  try {
    return await verifyLogs(reads, states, total, verifierKey, progress, pageSize, pool);
  } finally {
    await pool.close();
  }
}

async function verifyLogs(
  reads: LedgerReads,
  states: LedgerLogState[],
  total: number,
  verifierKey: string | null,
  progress: (done: number, total: number) => void,
  pageSize: number,
  pool: LeafHashPool,
): Promise<VerifyResult> {
  const result: VerifyResult = { logs: states.length, leaves: 0, checkpoints: 0, pruned: [], problems: [] };
  const hasher = new LeafHasher();
  for (const s of states) {
    const problem = (leafIndex: number | null, recordId: string | null, what: string): VerifyProblem => {
      const p = { orgId: s.orgId, log: s.log, leafIndex, recordId, what };
      result.problems.push(p);
      return p;
    };
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
    // Reads run one page ahead of the walk, so a worker hashes page k + 1 while this thread walks page k.
    const fetchPage = (from: number) => {
      const to = Math.min(s.size, from + pageSize);
      // The stored hashes that appending leaves from..to-1 wrote: each leaf's, then the subtrees it completed.
      return Promise.all([
        reads.readLedgerHashRange(s.orgId, s.log, storedHashIndex(0, from), storedHashIndex(0, to)),
        reads.ledgerLeafBytes(s.orgId, s.log, from, to),
      ]).then(([range, leaves]) => {
        const count = leaves.count;
        const hashed = pool.hash(leaves, s.log === 'audit');
        hashed.catch(() => {}); // awaited below; this only keeps a worker's failure from counting as unhandled meanwhile
        return { from, to, range, leafIndex: leaves.leafIndex, count, hashed };
      });
    };
    // A read ahead that fails after the walk stopped for another error must not count as unhandled.
    const readAhead = (from: number) => {
      const p = fetchPage(from);
      p.catch(() => {});
      return p;
    };
    let ahead = s.size > 0 ? readAhead(0) : null;
    for (let from = 0; from < s.size; from += pageSize) {
      const page = await (ahead as ReturnType<typeof fetchPage>);
      ahead = from + pageSize < s.size ? readAhead(from + pageSize) : null;
      const { hashes: computed, errors } = await page.hashed;
      const notJson = new Map(errors.map((e) => [e.k, e.message]));
      // Problems that name a record get its id after the page (ids are read only where something is wrong).
      const named: { p: VerifyProblem; k: number }[] = [];
      const problemAt = (k: number, leafIndex: number, what: string) => named.push({ p: problem(leafIndex, null, what), k });
      const { to, range, leafIndex, count } = page;
      const stored = range.hashes;
      let idx = 0;
      let next = 0;
      for (let i = from; i < to; i++) {
        while (next < count && (leafIndex[next] as number) < i) next++;
        const rowsFrom = next;
        while (next < count && leafIndex[next] === i) next++;
        const loggedAt = idx * 32;
        const logged = range.present[idx] === 1;
        // The leaf's hash as the tree above it uses it: its record's when there is exactly one, else the logged one.
        let h: Buffer = logged ? stored : ZERO;
        let hAt = logged ? loggedAt : 0;
        let clean = false;
        found += next - rowsFrom;
        if (rowsFrom === next) {
          // Below a verified prune note the record was deleted by retention; its logged hash stands in.
          if (i < prunedSize) (pruned as VerifyPruned).gone++;
          else problem(i, null, 'the record of this leaf is missing (deleted)');
        }
        for (let k = rowsFrom; k < next; k++) {
          const bad = notJson.get(k);
          if (bad !== undefined) {
            problemAt(k, i, `the record is not valid JSON (${bad})`);
            continue;
          }
          if (!logged) problemAt(k, i, 'the logged leaf hash is missing');
          else if (!sameHash(computed, k * 32, stored, loggedAt)) problemAt(k, i, 'the record differs from the logged leaf (changed, swapped or forged)');
          else clean = next - rowsFrom === 1;
          if (next - rowsFrom === 1) {
            h = computed;
            hAt = k * 32;
          }
        }
        // Each trailing one bit of i completes a subtree one level up: check its stored hash.
        let cur = h;
        let curAt = hAt;
        let curStored = logged;
        let curStoredAt = loggedAt;
        let level = 0;
        for (let n = i; n % 2 === 1; n = (n - 1) / 2, level++) {
          idx++;
          const at = idx * 32;
          const has = range.present[idx] === 1;
          const parent = hasher.node(frontier.computed[level] as Buffer, 0, cur, curAt);
          const width = 2 ** (level + 1);
          const lo = i + 1 - width;
          if (!has) problem(lo, null, `the logged hash of leaves ${lo}..${i} is missing`);
          else if (clean && frontier.clean[level]) {
            // Every record below matches its logged leaf: the recomputed hash is the one to hold.
            if (!sameHash(parent, 0, stored, at))
              problem(lo, null, `the logged hash of leaves ${lo}..${i} differs from the hash of its halves (logged hashes rewritten)`);
          } else if (curStored && frontier.hasStored[level]) {
            // Below, a record and its logged leaf differ (reported there): check this node against its stored halves.
            const fromStored = hasher.node(frontier.stored[level] as Buffer, 0, stored, curStoredAt);
            if (!sameHash(fromStored, 0, stored, at))
              problem(lo, null, `the logged hash of leaves ${lo}..${i} differs from the hash of its halves (logged hashes rewritten)`);
          }
          cur = parent;
          curAt = 0;
          clean = clean && (frontier.clean[level] as boolean);
          curStored = has;
          curStoredAt = at;
        }
        frontier.set(level, cur, curAt, curStored ? stored : null, curStoredAt, clean);
        idx++;
        const cp = bySize.get(i + 1);
        if (cp) {
          result.checkpoints++;
          if (frontier.root(i + 1, hasher).toString('base64') !== cp.rootHash)
            problem(null, null, `checkpoint of size ${cp.treeSize}: the stored records do not give its signed root (records or logged hashes rewritten)`);
        }
      }
      if (named.length > 0) {
        const rows = await reads.ledgerLeafTexts(s.orgId, s.log, from, to);
        for (const { p, k } of named)
          p.recordId = (rows[k]?.leafIndex === p.leafIndex ? rows[k] : rows.find((r) => r.leafIndex === p.leafIndex))?.recordId ?? null;
      }
      result.leaves += to - from;
      progress(result.leaves, total);
    }
    // Records past the end of the log were inserted behind orgledger's back.
    for (const extra of await reads.ledgerLeafTexts(s.orgId, s.log, s.size, Number.MAX_SAFE_INTEGER)) {
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
