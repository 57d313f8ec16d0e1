/**
 * `orgledger verify --url`: a remote auditor. It trusts nothing the server says except what the
 * verifier key signs: each log's latest checkpoint must carry a valid signature, must extend the
 * checkpoint this auditor saved last time (same size and root, or a consistency proof between the
 * two), and with `--full` must be the root of the leaves the server serves as entry bundles. The
 * state file is only rewritten when every log passed, so a failed run can be repeated.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { leafHash, rootFromLeafHashes, verifyConsistency } from '../features/ledger/merkle.js';
import { type Checkpoint, openCheckpoint } from '../features/ledger/note.js';
import { openPrune } from '../features/ledger/retention.js';
import { TILE_WIDTH, tileIndexPath } from '../features/ledger/tiles.js';

export interface RemoteAuditOptions {
  url: string;
  key: string;
  vkey: string;
  state?: string;
  full?: boolean;
}

interface SavedLog {
  tree_size: number;
  root_hash: string;
  note: string;
}

/** Keyed by checkpoint origin (`<ledger origin>/<org id>/<log>`), which names one log of one organization. */
interface AuditorState {
  object: 'orgledger.auditor_state';
  logs: Record<string, SavedLog>;
}

export interface RemoteAuditResult {
  lines: string[];
  problems: string[];
}

function readState(path: string | undefined): AuditorState {
  if (!path || !existsSync(path)) return { object: 'orgledger.auditor_state', logs: {} };
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as AuditorState;
  if (parsed.object !== 'orgledger.auditor_state' || typeof parsed.logs !== 'object') throw new Error(`${path} is not an orgledger auditor state file`);
  return parsed;
}

function writeState(path: string, state: AuditorState): void {
  // Write then rename: a crash mid-write must not lose the last checkpoint seen.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

async function get(opts: RemoteAuditOptions, path: string): Promise<Response> {
  const base = opts.url.replace(/\/+$/, '').replace(/\/v1$/, '');
  return fetch(`${base}/v1/organization/ledger${path}`, { headers: { authorization: `Bearer ${opts.key}` } });
}

async function ok(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res;
}

/**
 * Every leaf hash up to `size`: hashed from the entry bundles the server serves, except bundles that
 * hold a leaf below `prunedSize` (retention deleted their records), whose leaf hashes come from the
 * level-0 hash tile; the signed root checks those.
 */
async function leafHashesOf(opts: RemoteAuditOptions, log: string, size: number, prunedSize: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (let n = 0; n * TILE_WIDTH < size; n++) {
    const w = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
    if (n * TILE_WIDTH < prunedSize) {
      const path = `/${log}/tile/0/${tileIndexPath(n)}${w < TILE_WIDTH ? `.p/${w}` : ''}`;
      const bytes = Buffer.from(await (await ok(await get(opts, path), `hash tile ${path}`)).arrayBuffer());
      if (bytes.length !== w * 32) throw new Error(`hash tile ${path} holds ${bytes.length} bytes, expected ${w * 32}`);
      for (let i = 0; i < w; i++) out.push(bytes.subarray(i * 32, i * 32 + 32));
      continue;
    }
    const path = `/${log}/tile/entries/${tileIndexPath(n)}${w < TILE_WIDTH ? `.p/${w}` : ''}`;
    const bytes = Buffer.from(await (await ok(await get(opts, path), `entry bundle ${path}`)).arrayBuffer());
    let count = 0;
    for (let i = 0; i < bytes.length; count++) {
      const len = bytes.readUInt16BE(i);
      out.push(leafHash(bytes.subarray(i + 2, i + 2 + len)));
      i += 2 + len;
    }
    if (count !== w) throw new Error(`entry bundle ${path} holds ${count} entries, expected ${w}`);
  }
  return out;
}

/** The signed pruned size of a log (0 when retention never pruned it); throws when the note does not verify. */
async function prunedSizeOf(opts: RemoteAuditOptions, log: string, cp: Checkpoint): Promise<number> {
  const res = await get(opts, `/${log}/pruned`);
  if (res.status === 404) return 0;
  const note = await (await ok(res, `${log} prune record`)).text();
  const pruned = openPrune(note, opts.vkey);
  if (pruned.origin !== cp.origin) throw new Error(`the prune record names ${pruned.origin}, not this log`);
  if (pruned.prunedSize > cp.treeSize) throw new Error(`the prune record (${pruned.prunedSize}) is beyond the checkpoint (${cp.treeSize})`);
  return pruned.prunedSize;
}

/** Checks one log; returns a problem message, or null when the checkpoint is good. */
async function auditLog(opts: RemoteAuditOptions, log: string, cp: Checkpoint, saved: SavedLog | undefined, prunedSize: number): Promise<string | null> {
  if (saved) {
    const savedRoot = Buffer.from(saved.root_hash, 'base64');
    if (cp.treeSize < saved.tree_size) return `rollback: tree size ${cp.treeSize} is smaller than the ${saved.tree_size} seen before`;
    if (cp.treeSize === saved.tree_size && !cp.rootHash.equals(savedRoot))
      return `fork: tree size ${cp.treeSize} has root ${cp.rootHash.toString('base64')}, seen before as ${saved.root_hash}`;
    if (cp.treeSize > saved.tree_size && saved.tree_size > 0) {
      const res = await get(opts, `/${log}/proof/consistency?first=${saved.tree_size}&second=${cp.treeSize}`);
      if (!res.ok) return `fork: no consistency proof from ${saved.tree_size} to ${cp.treeSize} (HTTP ${res.status})`;
      const proof = ((await res.json()) as { hashes: string[] }).hashes.map((h) => Buffer.from(h, 'base64'));
      if (!verifyConsistency(saved.tree_size, cp.treeSize, savedRoot, cp.rootHash, proof))
        return `fork: the consistency proof from tree size ${saved.tree_size} to ${cp.treeSize} does not verify`;
    }
  }
  if (opts.full) {
    const root = rootFromLeafHashes(await leafHashesOf(opts, log, cp.treeSize, prunedSize));
    if (!root.equals(cp.rootHash)) return `the ${cp.treeSize} leaves served as entry bundles hash to ${root.toString('base64')}, not the signed root`;
  }
  return null;
}

export async function remoteAudit(opts: RemoteAuditOptions): Promise<RemoteAuditResult> {
  const state = readState(opts.state);
  const summary = (await (await ok(await get(opts, ''), 'GET /v1/organization/ledger')).json()) as { logs: { name: string }[] };
  const lines: string[] = [];
  const problems: string[] = [];
  const next: AuditorState = { object: 'orgledger.auditor_state', logs: { ...state.logs } };
  for (const { name } of summary.logs) {
    const res = await get(opts, `/${name}/checkpoint`);
    if (res.status === 404) {
      lines.push(`${name}: no checkpoint signed yet`);
      continue;
    }
    const note = await (await ok(res, `${name} checkpoint`)).text();
    let cp: Checkpoint;
    try {
      cp = openCheckpoint(note, opts.vkey);
    } catch (err) {
      problems.push(`${name}: checkpoint signature: ${(err as Error).message}`);
      continue;
    }
    if (!cp.origin.endsWith(`/${name}`)) {
      problems.push(`${name}: the checkpoint's origin ${cp.origin} is not this log's`);
      continue;
    }
    const saved = state.logs[cp.origin];
    let prunedSize: number;
    try {
      prunedSize = await prunedSizeOf(opts, name, cp);
    } catch (err) {
      problems.push(`${cp.origin}: prune record: ${(err as Error).message}`);
      continue;
    }
    const problem = await auditLog(opts, name, cp, saved, prunedSize);
    if (problem) {
      problems.push(`${cp.origin}: ${problem}`);
      continue;
    }
    next.logs[cp.origin] = { tree_size: cp.treeSize, root_hash: cp.rootHash.toString('base64'), note };
    const from = saved ? `consistent with ${saved.tree_size}` : 'first seen';
    const pruned = prunedSize > 0 ? `, pruned by retention up to leaf ${prunedSize} (signed)` : '';
    const rehashed = !opts.full ? '' : prunedSize > 0 ? ', leaves rehashed (bundles with pruned leaves from their hash tiles)' : ', all leaves rehashed';
    lines.push(`${cp.origin}: tree size ${cp.treeSize}, ${from}${pruned}${rehashed}: ok`);
  }
  if (problems.length === 0 && opts.state) writeState(opts.state, next);
  return { lines, problems };
}
