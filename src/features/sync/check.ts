/**
 * `orgledger sync --check`: compares the mirror with the upstream over what the cursors say is
 * mirrored: audit ids, and usage and cost totals per day, kind and project. Reads only.
 */
import { canonicalJson } from '../../lib/canonical-json.js';
import { type UsageKindName, usageKind } from '../usage/kinds.js';
import type { UsageBucket, UsagePage } from '../usage/query.js';
import { AUDIT_STREAM, auditSlice } from './audit-stream.js';
import type { SyncSettings } from './context.js';
import { COSTS_STREAM } from './costs-stream.js';
import type { BucketPageRequest, Side } from './sides.js';
import type { SyncCursor } from './types.js';
import { usageStream } from './usage-stream.js';

const DAY = 86400;

export interface CheckOptions {
  upstream: Side;
  local: Side;
  cursors: SyncCursor[];
  settings: Pick<SyncSettings, 'since'>;
  kinds: UsageKindName[];
  only: ('audit' | 'usage' | 'costs')[];
  /** At most this many difference lines per stream. */
  maxLines?: number;
}

/** The differences, one line each (empty: the mirror equals the upstream). */
export async function checkMirror(o: CheckOptions): Promise<string[]> {
  const at = new Map(o.cursors.map((c) => [c.stream, c.position]));
  const lines: string[] = [];
  const max = o.maxLines ?? 20;
  const auditEnd = at.get(AUDIT_STREAM);
  if (o.only.includes('audit') && auditEnd) lines.push(...(await checkAudit(o, o.settings.since, auditEnd)).slice(0, max));
  if (o.only.includes('usage'))
    for (const kind of o.kinds) {
      const end = at.get(usageStream(kind));
      if (!end) continue;
      const start = Math.floor(o.settings.since / 3600) * 3600;
      const measures = usageKind(kind).measures;
      const diff = await checkTotals(usageStream(kind), start, end, (side, r) => side.usagePage(kind, r), measures);
      lines.push(...diff.slice(0, max));
    }
  const costsEnd = at.get(COSTS_STREAM);
  if (o.only.includes('costs') && costsEnd) {
    const start = Math.floor(o.settings.since / DAY) * DAY;
    lines.push(...(await checkTotals(COSTS_STREAM, start, costsEnd, (side, r) => side.costPage(r), ['amount'])).slice(0, max));
  }
  return lines;

  async function checkTotals(stream: string, start: number, end: number, page: (s: Side, r: BucketPageRequest) => Promise<UsagePage>, fields: string[]) {
    const [up, mine] = await Promise.all([allBuckets(o.upstream, start, end, page), allBuckets(o.local, start, end, page)]);
    const out: string[] = [];
    const mineAt = new Map(mine.map((b) => [b.start_time, b]));
    for (const b of up) {
      const local = new Map((mineAt.get(b.start_time)?.results ?? []).map((r) => [String(r.project_id ?? ''), r]));
      const theirs = new Map(b.results.map((r) => [String(r.project_id ?? ''), r]));
      for (const project of new Set([...theirs.keys(), ...local.keys()])) {
        const pick = (r: Record<string, unknown> | undefined) => canonicalJson(Object.fromEntries(fields.map((f) => [f, r?.[f] ?? 0])));
        const [u, l] = [pick(theirs.get(project)), pick(local.get(project))];
        if (u !== l)
          out.push(`${stream} ${new Date(b.start_time * 1000).toISOString().slice(0, 10)} project ${project || '(none)'}: upstream ${u}, local ${l}`);
      }
    }
    return out;
  }
}

async function allBuckets(side: Side, start: number, end: number, page: (s: Side, r: BucketPageRequest) => Promise<UsagePage>): Promise<UsageBucket[]> {
  const out: UsageBucket[] = [];
  let cursor: string | undefined;
  for (;;) {
    const p = await page(side, { start, end, width: '1d', groupBy: ['project_id'], limit: 31, page: cursor });
    out.push(...p.data);
    if (!p.has_more || !p.next_page) return out;
    cursor = p.next_page;
  }
}

async function checkAudit(o: CheckOptions, since: number, end: number): Promise<string[]> {
  const out: string[] = [];
  for (let gte = since; gte < end; gte += DAY) {
    const lt = Math.min(end, gte + DAY);
    const [up, mine] = await Promise.all([auditSlice(o.upstream, gte, lt), auditSlice(o.local, gte, lt)]);
    const mineById = new Map(mine.map((t) => [(JSON.parse(t) as { id: string }).id, t]));
    for (const text of up) {
      const id = (JSON.parse(text) as { id: string }).id;
      const local = mineById.get(id);
      if (local === undefined) out.push(`audit: ${id} is upstream, not in the mirror`);
      else if (local !== text) out.push(`audit: ${id} differs from the upstream's text`);
      mineById.delete(id);
    }
    for (const id of mineById.keys()) out.push(`audit: ${id} is in the mirror, not upstream`);
  }
  return out;
}
