/**
 * The two sides a mirror compares: the upstream over HTTP and the local store through the same
 * services that answer its API, so "equal" means the two servers would answer the same.
 */
import type { Clock } from '../../lib/clock.js';
import { AuditLogService } from '../audit-logs/service.js';
import type { AuditStore } from '../audit-logs/store.js';
import { queryCosts } from '../costs/service.js';
import type { CostStore } from '../costs/store.js';
import { type UsageKindName, usageKind } from '../usage/kinds.js';
import { queryUsage, type UsagePage } from '../usage/query.js';
import type { UsageStore } from '../usage/store.js';
import type { UpstreamClient } from './upstream.js';

export interface AuditPageRequest {
  gte: number;
  lt: number;
  tenantOnly: boolean;
  after?: string;
  limit: number;
}

export interface BucketPageRequest {
  start: number;
  end: number;
  width: '1h' | '1d';
  groupBy: string[];
  limit: number;
  page?: string;
}

export interface Side {
  /** One ListAuditLogsResponse page, as text (its events are kept byte for byte). */
  auditPage(r: AuditPageRequest): Promise<string>;
  usagePage(kind: UsageKindName, r: BucketPageRequest): Promise<UsagePage>;
  costPage(r: BucketPageRequest): Promise<UsagePage>;
}

export class UpstreamSide implements Side {
  constructor(private readonly client: UpstreamClient) {}

  auditPage(r: AuditPageRequest): Promise<string> {
    const q = new URLSearchParams({ 'effective_at[gte]': String(r.gte), 'effective_at[lt]': String(r.lt), limit: String(r.limit) });
    if (r.tenantOnly) q.set('tenant_only', 'true');
    if (r.after) q.set('after', r.after);
    return this.client.get('/organization/audit_logs', q);
  }

  async usagePage(kind: UsageKindName, r: BucketPageRequest): Promise<UsagePage> {
    return JSON.parse(await this.client.get(`/organization/usage/${kind}`, bucketQuery(r))) as UsagePage;
  }

  async costPage(r: BucketPageRequest): Promise<UsagePage> {
    return JSON.parse(await this.client.get('/organization/costs', bucketQuery(r))) as UsagePage;
  }
}

function bucketQuery(r: BucketPageRequest): URLSearchParams {
  const q = new URLSearchParams({ start_time: String(r.start), end_time: String(r.end), bucket_width: r.width, limit: String(r.limit) });
  for (const g of r.groupBy) q.append('group_by', g);
  if (r.page) q.set('page', r.page);
  return q;
}

export class LocalSide implements Side {
  private readonly audit: AuditLogService;

  constructor(
    private readonly store: AuditStore & UsageStore & CostStore,
    private readonly orgId: string,
    private readonly clock: Clock,
  ) {
    this.audit = new AuditLogService(store, clock);
  }

  auditPage(r: AuditPageRequest): Promise<string> {
    return this.audit.list(this.orgId, { effective_at: { gte: r.gte, lt: r.lt }, limit: r.limit, after: r.after, tenant_only: r.tenantOnly });
  }

  usagePage(kind: UsageKindName, r: BucketPageRequest): Promise<UsagePage> {
    return queryUsage(
      this.store,
      this.orgId,
      usageKind(kind),
      { start_time: r.start, end_time: r.end, bucket_width: r.width, limit: r.limit, group_by: r.groupBy, page: r.page },
      this.clock.nowSeconds(),
    );
  }

  costPage(r: BucketPageRequest): Promise<UsagePage> {
    return queryCosts(
      this.store,
      this.orgId,
      { start_time: r.start, end_time: r.end, bucket_width: '1d', limit: r.limit, group_by: r.groupBy as never, page: r.page },
      this.clock.nowSeconds(),
    );
  }
}
