/**
 * Counts of audit events per type and period (an orgledger extension): what a dashboard needs to
 * compare "this week" with "the week before" in one request, instead of paging through the events.
 * Periods start at start_time and are bucket_width long; the last ends at end_time.
 */
import { type Static, Type } from '@sinclair/typebox';
import { errors } from '../../lib/errors.js';
import { StringEnum } from '../../lib/string-enum.js';
import { eventTypeNames } from './event-types.js';
import { UnixSeconds } from './schemas.js';
import type { AuditReads } from './store.js';

const WIDTHS = { '1h': 3600, '1d': 86_400, '7d': 604_800 } as const;
/** Periods one request may ask for (a year of days). */
export const MAX_COUNT_BUCKETS = 400;

export function auditCountsQuerySchema() {
  return Type.Object({
    event_types: Type.Array(StringEnum(eventTypeNames()), { minItems: 1 }),
    start_time: UnixSeconds,
    end_time: Type.Optional(UnixSeconds),
    bucket_width: Type.Optional(StringEnum(['1h', '1d', '7d'], { default: '1d' })),
  });
}
export type AuditCountsQuery = Static<ReturnType<typeof auditCountsQuerySchema>>;

export const AuditCountsResponse = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      object: Type.Literal('bucket'),
      start_time: Type.Integer(),
      end_time: Type.Integer(),
      results: Type.Array(
        Type.Object({
          object: Type.Literal('organization.audit_logs.count'),
          type: Type.String(),
          count: Type.Integer({ minimum: 1, description: 'Events of this type with start_time <= effective_at < end_time.' }),
        }),
        { description: 'Types with at least one event in the period, by type name.' },
      ),
    }),
  ),
});
export type AuditCountsResponse = Static<typeof AuditCountsResponse>;

/** Every period from start_time to end_time (default now), each with the types counted in it. */
export async function countAuditEvents(
  reads: Pick<AuditReads, 'countAuditEvents'>,
  orgId: string,
  q: AuditCountsQuery,
  now: number,
): Promise<AuditCountsResponse> {
  const end = q.end_time ?? now;
  if (end <= q.start_time) throw errors.invalidParam('end_time', `Invalid 'end_time': ${end} is not after start_time ${q.start_time}.`);
  const width = WIDTHS[q.bucket_width ?? '1d'];
  const buckets = Math.ceil((end - q.start_time) / width);
  if (buckets > MAX_COUNT_BUCKETS)
    throw errors.invalidParam(
      'bucket_width',
      `Invalid 'bucket_width': the range holds ${buckets} periods of ${q.bucket_width ?? '1d'}; at most ${MAX_COUNT_BUCKETS} are answered.`,
    );
  const rows = await reads.countAuditEvents({ orgId, types: [...new Set(q.event_types)], start: q.start_time, end, width });
  const data: AuditCountsResponse['data'] = Array.from({ length: buckets }, (_, i) => ({
    object: 'bucket' as const,
    start_time: q.start_time + i * width,
    end_time: Math.min(end, q.start_time + (i + 1) * width),
    results: [],
  }));
  for (const r of [...rows].sort((a, b) => a.type.localeCompare(b.type)))
    data[r.bucket]?.results.push({ object: 'organization.audit_logs.count', type: r.type, count: r.count });
  return { object: 'list', data };
}
