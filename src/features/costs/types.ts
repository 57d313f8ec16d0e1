/** Domain types of costs: explicit entries and cost queries, shared by the costs service and every store engine. */

/** An explicit cost entry (POST /v1/organization/costs), priced elsewhere. */
export interface CostEntry {
  id: string;
  createdAt: number;
  projectId: string | null;
  apiKeyId: string | null;
  lineItem: string;
  amountNano: number;
  currency: string;
  quantity: number | null;
  quantityUnit: string | null;
  contentHash: string | null;
  /** Provenance (migration 5), as on usage records. */
  ingestedBy?: string | null;
  requestId?: string | null;
  ingestedAt?: number | null;
}

export type CostDimension = 'project_id' | 'api_key_id' | 'line_item' | 'user_id' | 'api_source';

export interface CostSegmentQuery {
  orgId: string;
  source: '1d' | '1h';
  from: number;
  to: number;
  origin: number;
  width: number;
  groupBy: CostDimension[];
  filters: Partial<Record<'project_id' | 'api_key_id' | 'line_item', string[]>>;
}

export interface CostGroupRow {
  bucketStart: number;
  projectId?: string | null;
  apiKeyId?: string | null;
  userId?: string | null;
  /** 'agents_api' or 'unlabeled' when grouped by it. */
  apiSource?: string;
  lineItem?: string;
  amountNano: number;
  quantity: number;
  /** The single unit of the grouped rows, null when they mix units or have none. */
  quantityUnit: string | null;
}
