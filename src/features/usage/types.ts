/** Domain types of usage (and the cost lines pricing makes of it), shared by the services and every store engine. */
import type { Dimension, Measure, UsageKindName } from './kinds.js';

/** A dimension value: strings, `batch` a boolean; null when the record did not say. */
export type DimValue = string | boolean | null;
export type DimValues = Partial<Record<Dimension, DimValue>>;
export type MeasureValues = Partial<Record<Measure, number>>;

/** Who ingested a batch (the admin key and the request id): kept with each record, shown to admins only (never in OpenAI-shaped responses). */
export interface IngestProvenance {
  keyId: string;
  requestId: string;
}

/** Where a query's rows come from: the daily or hourly rollups, or the raw records. */
export type UsageSource = '1d' | '1h' | 'raw';

/** One priced component of one usage record (or one explicit cost entry). Money in nano-USD. */
export interface CostLine {
  createdAt: number;
  projectId: string | null;
  apiKeyId: string | null;
  /** The usage record's user and api_source (absent on explicit cost entries). */
  userId?: string | null;
  apiSource?: string | null;
  /** `<model>, input_tokens` and the like. */
  lineItem: string;
  quantity: number;
  quantityUnit: string | null;
  amountNano: number;
  /** The price-table entry used; null for explicit entries priced elsewhere. */
  priceId: string | null;
}

/** A usage record as stored: immutable once written. */
export interface UsageRecord {
  id: string;
  createdAt: number;
  dims: DimValues;
  measures: MeasureValues;
  /** Hash of the record as the client sent it, when the client chose the id (idempotency). */
  contentHash: string | null;
  /** The price-table entry this record was priced with; null when unpriced. */
  priceId: string | null;
  /**
   * Who served the request (`openai`, `anthropic`, `gcp.gemini`...): not an OpenAI dimension, so it is
   * kept on the raw record only (migration 9) and never in rollups or results; null when not said.
   */
  provider?: string | null;
  /** Provenance (migration 5): the admin key that ingested it, the request id, when; absent for what orgledger recorded itself (sync). */
  ingestedBy?: string | null;
  requestId?: string | null;
  ingestedAt?: number | null;
  /** Cost line items of this record; written only if the record itself is new. */
  costs: CostLine[];
}

export interface UsageInsert {
  orgId: string;
  kind: UsageKindName;
  records: UsageRecord[];
}

/** Usage the price table could not price, kept so an operator can list and fix it. */
export interface UnpricedUsage {
  kind: UsageKindName;
  model: string;
  /** default, batch, flex, priority... */
  tier: string;
  firstAt: number;
  lastAt: number;
  records: number;
}

/** One segment of a usage query: rows of [from, to) from one source, bucketed on the query's grid. */
export interface UsageSegmentQuery {
  orgId: string;
  kind: UsageKindName;
  source: UsageSource;
  from: number;
  to: number;
  /** Bucket grid: bucket start = origin + floor((t - origin) / width) * width. */
  origin: number;
  width: number;
  groupBy: Dimension[];
  /** Allowed values per dimension (an empty list matches nothing). */
  filters: Partial<Record<Dimension, DimValue[]>>;
  /** Allowed providers (the `providers` extension filter); only a raw source can apply it. */
  providers?: string[];
}

export interface UsageGroupRow {
  bucketStart: number;
  /** Only the grouped dimensions. */
  dims: DimValues;
  /** Sums; absent when no record had the measure. For a level: the latest sample. */
  measures: MeasureValues;
  /** For level kinds: the time of the latest sample behind the level. */
  latestAt?: number;
}
