/**
 * One OTLP export: spans mapped to usage records, the accepted ones written in one unit of work
 * (all kinds together, so nothing is half-written), the rest reported as OTLP partial success.
 */
import type { Clock } from '../../lib/clock.js';
import { ingestUsageOfKinds, type UnpricedWarning } from '../usage/ingest.js';
import type { PriceTable } from '../usage/price-table.js';
import type { UsageStore } from '../usage/store.js';
import type { IngestProvenance } from '../usage/types.js';
import type { AttributeMap } from './attribute-map.js';
import { mapSpan, type OtlpKind } from './mapping.js';
import type { PartialSuccess } from './proto.js';
import type { OtlpSpan } from './spans.js';

export interface ExportOutcome {
  spans: number;
  recorded: number;
  ignored: number;
  partial: PartialSuccess | null;
  warnings: UnpricedWarning[];
}

/** At most this many reasons are spelled out in error_message; the count covers all. */
const MAX_REASONS = 5;

function describeRejections(rejected: { span: OtlpSpan; reason: string }[]): string {
  const shown = rejected.slice(0, MAX_REASONS).map((r) => `span ${r.span.spanId || '(no id)'}: ${r.reason}`);
  const more = rejected.length > MAX_REASONS ? `; and ${rejected.length - MAX_REASONS} more` : '';
  return `${rejected.length} span(s) rejected: ${shown.join('; ')}${more}.`;
}

export async function exportSpans(
  deps: { store: UsageStore; clock: Clock; prices: PriceTable; attributeMap: AttributeMap },
  orgId: string,
  spans: OtlpSpan[],
  provenance?: IngestProvenance,
): Promise<ExportOutcome> {
  const byKind = new Map<OtlpKind, Record<string, unknown>[]>();
  const rejected: { span: OtlpSpan; reason: string }[] = [];
  let ignored = 0;
  for (const span of spans) {
    const m = mapSpan(span, deps.attributeMap);
    if (m.outcome === 'ignored') ignored++;
    else if (m.outcome === 'rejected') rejected.push({ span, reason: m.reason });
    else {
      const list = byKind.get(m.kind) ?? [];
      list.push(m.record);
      byKind.set(m.kind, list);
    }
  }
  const batches = [...byKind].map(([kind, records]) => ({ kind, records }));
  const results = batches.length > 0 ? await ingestUsageOfKinds(deps, orgId, batches, provenance) : [];
  const recorded = batches.reduce((n, b) => n + b.records.length, 0);
  return {
    spans: spans.length,
    recorded,
    ignored,
    partial: rejected.length > 0 ? { rejectedSpans: rejected.length, errorMessage: describeRejections(rejected) } : null,
    warnings: results.flatMap((r) => r.warnings),
  };
}
