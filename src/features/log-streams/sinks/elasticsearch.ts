/**
 * The elasticsearch sink: the _bulk API of Elasticsearch / OpenSearch with `create` actions whose _id is
 * the record id, so a redelivered record answers 409 (already there) instead of being indexed twice.
 */
import type { SinkConfig } from '../types.js';
import { type Batch, post, type SendResult } from './sink.js';

export function bulkBody(sink: SinkConfig, batch: Batch): string {
  const index = String(sink.index);
  // NDJSON: an action line then the document, each newline-terminated (the final newline is required).
  return batch.records
    .map(
      (r) =>
        `${JSON.stringify({ create: { _index: index, _id: r.id } })}\n${JSON.stringify({ '@timestamp': new Date(r.time * 1000).toISOString(), ...r.body })}\n`,
    )
    .join('');
}

function auth(sink: SinkConfig): Record<string, string> {
  if (typeof sink.api_key === 'string') return { authorization: `ApiKey ${sink.api_key}` };
  if (typeof sink.username === 'string') return { authorization: `Basic ${Buffer.from(`${sink.username}:${String(sink.password)}`).toString('base64')}` };
  return {};
}

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string };
}

/** The batch is acknowledged when every item is 201 (created) or 409 (that _id exists: an earlier delivery). */
export async function sendElasticsearch(sink: SinkConfig, batch: Batch): Promise<SendResult> {
  const url = `${String(sink.url).replace(/\/+$/, '')}/_bulk`;
  let items: BulkItem[] | undefined;
  const result = await post(url, { 'content-type': 'application/x-ndjson', ...auth(sink) }, bulkBody(sink, batch), 30_000, (text) => {
    const parsed = JSON.parse(text) as { errors?: boolean; items?: Array<Record<string, BulkItem>> };
    items = (parsed.items ?? []).map((i) => Object.values(i)[0] ?? {});
  });
  if (!result.ok) return result;
  if (!items || items.length !== batch.records.length)
    return { ok: false, error: `elasticsearch: _bulk answered ${items?.length ?? 'no'} items for ${batch.records.length} records` };
  const bad = items.findIndex((i) => i.status !== 201 && i.status !== 200 && i.status !== 409);
  if (bad < 0) return { ok: true };
  // Retry the whole batch: the items that were created answer 409 next time, so nothing is indexed twice.
  const item = items[bad] as BulkItem;
  const failed = items.filter((i) => i.status !== 201 && i.status !== 200 && i.status !== 409).length;
  return {
    ok: false,
    error:
      `elasticsearch: ${failed} of ${items.length} items refused; first (${batch.records[bad]?.id}): ${item.status} ${item.error?.type ?? ''} ${item.error?.reason ?? ''}`.slice(
        0,
        300,
      ),
  };
}
