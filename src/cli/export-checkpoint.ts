/**
 * `export logs --with-checkpoint` and `verify --export`: an audit export carries, beside it
 * (`<export>.ledger.json`), the signed checkpoint of the organization's `audit` log and each exported
 * event's leaf index and RFC 9162 inclusion proof under that checkpoint, so anyone holding the
 * verifier key can prove offline that each exported line is the logged event, unaltered.
 */
import { readFileSync } from 'node:fs';
import { inclusionProof, leafHash, rootFromInclusion, withStoredHashes } from '../features/ledger/merkle.js';
import { openCheckpoint } from '../features/ledger/note.js';
import { openPrune } from '../features/ledger/retention.js';
import { canonicalJson } from '../lib/canonical-json.js';
import type { Source } from './api-source.js';

export interface ExportProofRecord {
  id: string;
  leaf_index: number;
  hashes: string[];
}

export interface ExportProof {
  object: 'ledger.export_proof';
  log: 'audit';
  /** The signed note (C2SP tlog-checkpoint in a signed-note), verbatim. */
  checkpoint: string;
  /** True when the export was not filtered: then its leaves must be 0..n-1 without a gap. */
  complete: boolean;
  /** The log's latest signed prune note, when retention pruned it: a complete export starts at its size. */
  pruned?: string;
  records: ExportProofRecord[];
}

export const proofPathOf = (exportFile: string): string => `${exportFile}.ledger.json`;

interface ProofReader {
  checkpoint(): Promise<{ note: string; treeSize: number } | null>;
  inclusion(id: string, treeSize: number): Promise<{ leaf_index: number; hashes: string[] }>;
  pruned(): Promise<string | null>;
}

function proofReader(source: Source): ProofReader {
  const remote = source.remote;
  if (remote) {
    return {
      async checkpoint() {
        const res = await fetch(`${remote.base}/v1/organization/ledger/audit/checkpoint`, { headers: { authorization: `Bearer ${remote.key}` } });
        if (res.status === 404) return null;
        if (!res.ok) throw new Error(`${res.status} from ${remote.base} reading the audit checkpoint`);
        const note = await res.text();
        return { note, treeSize: Number(note.split('\n')[1]) };
      },
      inclusion: (id, treeSize) => remote.get('/organization/ledger/audit/proof/inclusion', { id, tree_size: treeSize }),
      async pruned() {
        const res = await fetch(`${remote.base}/v1/organization/ledger/audit/pruned`, { headers: { authorization: `Bearer ${remote.key}` } });
        if (res.status === 404) return null;
        if (!res.ok) throw new Error(`${res.status} from ${remote.base} reading the audit prune record`);
        return res.text();
      },
    };
  }
  const store = source.store;
  const orgId = source.orgId;
  if (!store || !orgId) throw new Error('export: no source');
  return {
    async checkpoint() {
      const cp = await store.ledger.ledgerCheckpoint(await orgId(), 'audit');
      return cp ? { note: cp.note, treeSize: cp.treeSize } : null;
    },
    async pruned() {
      return (await store.ledger.ledgerPrunes(await orgId(), 'audit')).at(-1)?.note ?? null;
    },
    async inclusion(id, treeSize) {
      const org = await orgId();
      const leafIndex = await store.ledger.ledgerLeafIndex(org, 'audit', id);
      if (leafIndex === null) throw new Error(`event ${id} is not in the audit log`);
      const hashes = await withStoredHashes(
        (indexes) => store.ledger.readLedgerHashes(org, 'audit', indexes),
        (get) => inclusionProof(leafIndex, treeSize, get),
      );
      return { leaf_index: leafIndex, hashes: hashes.map((h) => h.toString('base64')) };
    },
  };
}

/**
 * Builds the proof file for the exported ids. The checkpoint must cover every exported event; one
 * covering the newest is signed within the checkpoint interval, so this waits for it (up to `waitMs`).
 */
export async function exportProof(source: Source, ids: string[], complete: boolean, waitMs = 10_000): Promise<ExportProof> {
  const reader = proofReader(source);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const cp = await reader.checkpoint();
    const records: ExportProofRecord[] = [];
    let uncovered: string | null = null;
    if (cp) {
      for (const id of ids) {
        try {
          records.push({ id, ...(await reader.inclusion(id, cp.treeSize)) });
        } catch (err) {
          uncovered = `${id}: ${(err as Error).message}`;
          break;
        }
      }
    }
    if (cp && uncovered === null) {
      const pruned = complete ? await reader.pruned() : null;
      return { object: 'ledger.export_proof', log: 'audit', checkpoint: cp.note, complete, ...(pruned ? { pruned } : {}), records };
    }
    if (Date.now() > deadline)
      throw new Error(
        cp ? `no signed checkpoint covers event ${uncovered} (is serve running?)` : 'no checkpoint of the audit log was signed yet (is serve running?)',
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ExportCheck {
  treeSize: number;
  origin: string;
  records: number;
  problems: string[];
}

/** Checks an export file against its proof file offline: signature, each line's inclusion, lines dropped or added. */
export function checkExport(exportFile: string, proofFile: string, vkey: string): ExportCheck {
  const proof = JSON.parse(readFileSync(proofFile, 'utf8')) as ExportProof;
  const cp = openCheckpoint(proof.checkpoint, vkey);
  const problems: string[] = [];
  if (!cp.origin.endsWith('/audit')) problems.push(`the checkpoint's origin ${cp.origin} is not an audit log`);
  const byId = new Map(proof.records.map((r) => [r.id, r]));
  const seen = new Set<string>();
  const lines = readFileSync(exportFile, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let event: { id?: unknown };
    try {
      event = JSON.parse(line) as { id?: unknown };
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    const id = String(event.id);
    const r = byId.get(id);
    if (!r) {
      problems.push(`line ${i + 1}, record ${id}: not covered by the checkpoint (added or its id changed)`);
      return;
    }
    if (seen.has(id)) {
      problems.push(`line ${i + 1}, record ${id}: appears twice`);
      return;
    }
    seen.add(id);
    const root = rootFromInclusion(
      r.leaf_index,
      cp.treeSize,
      leafHash(canonicalJson(event)),
      r.hashes.map((h) => Buffer.from(h, 'base64')),
    );
    if (!root?.equals(cp.rootHash))
      problems.push(`line ${i + 1}, leaf ${r.leaf_index}, record ${id}: not included under the checkpoint (the record was changed)`);
  });
  for (const r of proof.records) if (!seen.has(r.id)) problems.push(`leaf ${r.leaf_index}, record ${r.id}: missing from the export (dropped)`);
  if (proof.complete) {
    // An unfiltered export holds every leaf up to its newest: a gap is a record dropped from both files.
    const leaves = new Set(proof.records.map((r) => r.leaf_index));
    const max = Math.max(-1, ...leaves);
    let from = 0;
    if (proof.pruned) {
      // Leaves below a signed pruned size were deleted by retention, not dropped from the export.
      try {
        const pruned = openPrune(proof.pruned, vkey);
        if (pruned.origin !== cp.origin) throw new Error(`it names ${pruned.origin}`);
        from = pruned.prunedSize;
      } catch (err) {
        problems.push(`the prune record does not verify (${(err as Error).message}): leaves below it count as dropped`);
      }
    }
    for (let k = from; k <= max; k++) if (!leaves.has(k)) problems.push(`leaf ${k}: missing from a complete export (dropped)`);
  }
  return { treeSize: cp.treeSize, origin: cp.origin, records: seen.size, problems };
}
