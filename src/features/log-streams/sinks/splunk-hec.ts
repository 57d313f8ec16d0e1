/** The Splunk HTTP Event Collector sink: concatenated JSON events to <url>/services/collector/event. */
import type { SinkConfig, StreamRecord } from '../types.js';
import { type Batch, post, type SendResult } from './sink.js';

/** One HEC event: the record as `event` (its id is the receiver-side dedupe key), time in epoch seconds. */
export function hecEvent(sink: SinkConfig, r: StreamRecord): Record<string, unknown> {
  return {
    time: r.time,
    source: 'orgledger',
    sourcetype: r.kind === 'audit' ? 'orgledger:audit' : 'orgledger:usage',
    ...(typeof sink.index === 'string' ? { index: sink.index } : {}),
    event: r.body,
  };
}

export async function sendSplunkHec(sink: SinkConfig, batch: Batch): Promise<SendResult> {
  const url = `${String(sink.url).replace(/\/+$/, '')}/services/collector/event`;
  // HEC takes several events in one request as JSON objects one after another (no array).
  const body = batch.records.map((r) => JSON.stringify(hecEvent(sink, r))).join('\n');
  return post(url, { 'content-type': 'application/json', authorization: `Splunk ${String(sink.token)}` }, body);
}
