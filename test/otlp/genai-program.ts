/**
 * A small instrumented program: the official OpenTelemetry JS SDK (NodeTracerProvider, batch span
 * processor, the OTLP/HTTP protobuf or JSON exporter) emitting GenAI spans as an instrumented app
 * would. Each export's result is kept so a test can see what the SDK saw.
 */
import { type Attributes, SpanKind } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

export interface GenAiSpan {
  name: string;
  /** Seconds since the epoch. */
  end: number;
  attributes: Attributes;
}

/** Wraps the real exporter to keep every export's result and the spans it was given. */
export class RecordingExporter implements SpanExporter {
  readonly results: ExportResult[] = [];
  readonly batches: ReadableSpan[][] = [];
  constructor(readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.batches.push(spans);
    this.inner.export(spans, (r) => {
      this.results.push(r);
      done(r);
    });
  }
  /** The same spans sent again, as an exporter's retry would. */
  resend(spans: ReadableSpan[]): Promise<ExportResult> {
    return new Promise((resolve) => this.inner.export(spans, resolve));
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export function exporterFor(encoding: 'protobuf' | 'json', url: string, key: string, compression: 'gzip' | 'none' = 'none'): RecordingExporter {
  const options = { url: `${url}/v1/traces`, headers: { authorization: `Bearer ${key}` }, compression: compression as never };
  return new RecordingExporter(encoding === 'protobuf' ? new ProtoExporter(options) : new HttpJsonExporter(options));
}

/** Runs the "app": one service (resource) emitting the given spans, flushed before returning. */
export async function runApp(exporter: RecordingExporter, resource: Attributes, spans: GenAiSpan[]): Promise<void> {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 512 })],
  });
  const tracer = provider.getTracer('genai-test-app');
  for (const s of spans) {
    const span = tracer.startSpan(s.name, { kind: SpanKind.CLIENT, startTime: (s.end - 1) * 1000, attributes: s.attributes });
    span.end(s.end * 1000);
  }
  await provider.forceFlush();
  await provider.shutdown();
}

export const succeeded = (r: ExportResult) => r.code === ExportResultCode.SUCCESS;
