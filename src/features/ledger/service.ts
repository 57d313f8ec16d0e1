/**
 * The ledger service: signs checkpoints (the checkpointer `serve` runs), and answers the read API
 * (checkpoints, tiles, entry bundles, inclusion and consistency proofs) from stored hashes.
 */
import type { Clock } from '../../lib/clock.js';
import { errors } from '../../lib/errors.js';
import { repeatEvery } from '../../lib/repeat-every.js';
import { LOG_NAMES, type LogName } from './leaf-data.js';
import { consistencyProof, inclusionProof, storedHashIndex, storedHashLevel, treeHash, withStoredHashes } from './merkle.js';
import { checkpointText, type NoteSigner } from './note.js';
import type { LedgerStore, StoredCheckpoint } from './store.js';
import { TILE_HEIGHT, TILE_WIDTH, type TilePath } from './tiles.js';

/**
 * Stored hashes kept in memory per log (about 100 bytes each), and logs kept. Only hashes of subtrees
 * of 256 leaves or more (the hashes of full tiles of level 1 and up) are kept: every proof shares
 * them, there are about n / 128 of them, and a proof's lower levels (one level-0 tile, a few
 * neighbouring rows) are one cheap read.
 */
const HASH_CACHE_SIZE = 16_384;
const HASH_CACHE_LOGS = 64;

/**
 * A least-recently-used cache of stored hashes, per log. A stored hash is written once, when its
 * subtree is complete, and never changes (tlog layout), so a cached one is always the one the store
 * held: proofs served from it equal the ones read from the store (test/ledger/proof-cache.test.ts).
 */
export class StoredHashCache {
  private readonly logs = new Map<string, Map<number, Buffer>>();
  constructor(
    private readonly capacity = HASH_CACHE_SIZE,
    private readonly maxLogs = HASH_CACHE_LOGS,
    private readonly minLevel = TILE_HEIGHT,
  ) {}

  private logMap(orgId: string, log: LogName): Map<number, Buffer> {
    const key = `${orgId}\n${log}`;
    let map = this.logs.get(key);
    if (map) this.logs.delete(key);
    else map = new Map();
    // Most recently used last: Map keeps insertion order.
    this.logs.set(key, map);
    for (const old of this.logs.keys()) {
      if (this.logs.size <= this.maxLogs) break;
      this.logs.delete(old);
    }
    return map;
  }

  /** `fetch` with the cached indexes answered from memory; the rest are read and kept. */
  async read(orgId: string, log: LogName, indexes: number[], fetch: (indexes: number[]) => Promise<Map<number, Buffer>>): Promise<Map<number, Buffer>> {
    const map = this.logMap(orgId, log);
    const found = new Map<number, Buffer>();
    const missing: number[] = [];
    for (const i of indexes) {
      const h = map.get(i);
      if (h) {
        map.delete(i);
        map.set(i, h);
        found.set(i, h);
      } else missing.push(i);
    }
    if (missing.length === 0) return found;
    for (const [i, h] of await fetch(missing)) {
      found.set(i, h);
      if (storedHashLevel(i) >= this.minLevel) map.set(i, h);
    }
    for (const old of map.keys()) {
      if (map.size <= this.capacity) break;
      map.delete(old);
    }
    return found;
  }

  /** Hashes cached, over all logs. */
  get size(): number {
    let n = 0;
    for (const map of this.logs.values()) n += map.size;
    return n;
  }
}

export class LedgerService {
  private stopTimer: (() => void) | undefined;
  private running: Promise<number> | undefined;
  readonly hashCache = new StoredHashCache();

  constructor(
    private readonly store: LedgerStore,
    readonly signer: NoteSigner,
    readonly origin: string,
    private readonly clock: Clock,
  ) {}

  originOf(orgId: string, log: LogName): string {
    return `${this.origin}/${orgId}/${log}`;
  }

  private hashes(orgId: string, log: LogName) {
    return (indexes: number[]) => this.hashCache.read(orgId, log, indexes, (missing) => this.store.ledger.readLedgerHashes(orgId, log, missing));
  }

  /** Signs a checkpoint for every log that grew since its last one; returns how many it signed. */
  checkpointNow(): Promise<number> {
    // One pass at a time: a slow pass is never overlapped by the next tick.
    this.running ??= this.checkpointPass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkpointPass(): Promise<number> {
    const due = (await this.store.ledger.ledgerLogStates()).filter((s) => s.size > s.checkpointSize);
    if (due.length === 0) return 0;
    const signedAt = this.clock.nowSeconds();
    const checkpoints: StoredCheckpoint[] = [];
    for (const s of due) {
      const root = await withStoredHashes(this.hashes(s.orgId, s.log), (get) => treeHash(s.size, get));
      const note = this.signer.sign(checkpointText({ origin: this.originOf(s.orgId, s.log), treeSize: s.size, rootHash: root }));
      checkpoints.push({ orgId: s.orgId, log: s.log, treeSize: s.size, rootHash: root.toString('base64'), signedAt, note });
    }
    await this.store.write((tx) => tx.ledger.insertCheckpoints(checkpoints));
    return checkpoints.length;
  }

  /** Checkpoints every `intervalMs` (at most one per log per interval) until stop(). */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    this.stopTimer = repeatEvery(intervalMs, () => this.checkpointNow(), onError);
  }

  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = undefined;
    await this.running?.catch(() => undefined);
  }

  async summary(orgId: string) {
    const logs = [];
    for (const name of LOG_NAMES) {
      const cp = await this.store.ledger.ledgerCheckpoint(orgId, name);
      logs.push({
        name,
        origin: this.originOf(orgId, name),
        tree_size: cp?.treeSize ?? 0,
        root_hash: cp?.rootHash ?? null,
        checkpoint_at: cp?.signedAt ?? null,
      });
    }
    return { object: 'ledger' as const, verifier_key: this.signer.verifierKey, logs };
  }

  async checkpoint(orgId: string, log: LogName, treeSize?: number): Promise<string> {
    const cp = await this.store.ledger.ledgerCheckpoint(orgId, log, treeSize);
    if (!cp)
      throw errors.notFound(
        treeSize === undefined ? `No checkpoint of the ${log} log was signed yet.` : `No checkpoint of size ${treeSize} was signed.`,
        'tree_size',
      );
    return cp.note;
  }

  private async size(orgId: string, log: LogName): Promise<number> {
    return this.store.ledger.ledgerLogSize(orgId, log);
  }

  /** A hash tile (level >= 0) or an entry bundle (level null), bytes as C2SP tlog-tiles serves them. */
  async tile(orgId: string, log: LogName, t: TilePath): Promise<Buffer> {
    const size = await this.size(orgId, log);
    const first = t.index * TILE_WIDTH;
    const levelWidth = 2 ** (TILE_HEIGHT * (t.level ?? 0));
    const available = Math.floor(size / levelWidth) - first;
    if (available < t.width) throw errors.notFound(`The ${log} log has no such tile (tree size ${size}).`);
    if (t.level === null) {
      const leaves = await this.store.ledger.ledgerLeaves(orgId, log, first, first + t.width);
      if (leaves.length !== t.width) throw errors.notFound(`Some records of entry bundle ${t.index} are no longer stored.`);
      const parts: Buffer[] = [];
      for (const leaf of leaves) {
        const data = Buffer.from(leaf.data);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(data.length);
        parts.push(len, data);
      }
      return Buffer.concat(parts);
    }
    const level = t.level * TILE_HEIGHT;
    const indexes = Array.from({ length: t.width }, (_, i) => storedHashIndex(level, first + i));
    const found = await this.store.ledger.readLedgerHashes(orgId, log, indexes);
    return Buffer.concat(
      indexes.map((i) => {
        const h = found.get(i);
        if (!h) throw new Error(`ledger: stored hash ${i} of ${orgId}/${log} is missing`);
        return h;
      }),
    );
  }

  private async checkedSize(orgId: string, log: LogName, treeSize: number | undefined, param: string): Promise<number> {
    if (treeSize === undefined) {
      const cp = await this.store.ledger.ledgerCheckpoint(orgId, log);
      if (!cp) throw errors.notFound(`No checkpoint of the ${log} log was signed yet.`, param);
      return cp.treeSize;
    }
    const size = await this.size(orgId, log);
    if (treeSize > size) throw errors.invalidParam(param, `${param} ${treeSize} is beyond the ${log} log's size (${size}).`);
    return treeSize;
  }

  async inclusion(orgId: string, log: LogName, id: string, treeSize?: number) {
    const leafIndex = await this.store.ledger.ledgerLeafIndex(orgId, log, id);
    if (leafIndex === null) throw errors.notFound(`No record with id '${id}' in the ${log} log.`, 'id');
    const size = await this.checkedSize(orgId, log, treeSize, 'tree_size');
    if (leafIndex >= size) throw errors.invalidParam('tree_size', `Record '${id}' is leaf ${leafIndex}, not in a tree of size ${size}.`);
    const hashes = await withStoredHashes(this.hashes(orgId, log), (get) => inclusionProof(leafIndex, size, get));
    return { leaf_index: leafIndex, tree_size: size, hashes: hashes.map((h) => h.toString('base64')) };
  }

  async consistency(orgId: string, log: LogName, first: number, second: number) {
    if (first > second) throw errors.invalidParam('first', `first (${first}) must not exceed second (${second}).`);
    await this.checkedSize(orgId, log, second, 'second');
    const hashes = await withStoredHashes(this.hashes(orgId, log), (get) => consistencyProof(first, second, get));
    return { first, second, hashes: hashes.map((h) => h.toString('base64')) };
  }
}
