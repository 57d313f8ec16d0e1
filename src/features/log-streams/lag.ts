/**
 * How far behind a stream is: records stored but not yet acknowledged (filtered-out ones included,
 * since the cursor passes them too), and the age in seconds of the oldest of them (0 when none waits).
 * One definition for the API's `lag` and for /metrics.
 */
import type { LogStreamReads } from './store.js';
import type { LogStream, RecordKind } from './types.js';

export interface StreamLag {
  records: number;
  seconds: number;
}

export async function streamLag(reads: LogStreamReads, s: LogStream, nowSeconds: number): Promise<StreamLag & { head: { audit: number; usage: number } }> {
  const head = await reads.streamHeads(s.orgId);
  const cursor = { audit: s.auditCursor, usage: s.usageCursor };
  const waiting = (k: RecordKind) => (s.records.includes(k) ? Math.max(0, head[k] - cursor[k]) : 0);
  const records = waiting('audit') + waiting('usage');
  if (records === 0) return { records, seconds: 0, head };
  const oldest = await reads.oldestAfter(s.orgId, cursor);
  const times = (['audit', 'usage'] as const).filter((k) => waiting(k) > 0).map((k) => oldest[k] ?? nowSeconds);
  return { records, seconds: Math.max(0, nowSeconds - Math.min(...times)), head };
}
