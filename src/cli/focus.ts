/**
 * Costs as FinOps FOCUS 1.2 rows: one per (day, project, API key, line item), amounts in the billing
 * currency, charge periods half-open. orgledger knows list prices only, so Billed, Effective, List and
 * Contracted costs are the same amount.
 */
export const FOCUS_COLUMNS = [
  'BilledCost',
  'EffectiveCost',
  'ListCost',
  'ContractedCost',
  'BillingCurrency',
  'BillingPeriodStart',
  'BillingPeriodEnd',
  'ChargePeriodStart',
  'ChargePeriodEnd',
  'ChargeCategory',
  'ChargeClass',
  'ChargeDescription',
  'ChargeFrequency',
  'ConsumedQuantity',
  'ConsumedUnit',
  'PricingQuantity',
  'PricingUnit',
  'ServiceCategory',
  'ServiceName',
  'ServiceProviderName',
  'HostProviderName',
  'InvoiceIssuerName',
  'SkuId',
  'SubAccountId',
  'ResourceId',
  'ResourceType',
  'Tags',
] as const;

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** The calendar month holding `seconds`, [start, end). */
function monthOf(seconds: number): [string, string] {
  const d = new Date(seconds * 1000);
  const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 1000;
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 1000;
  return [iso(start), iso(end)];
}

export interface CostRow {
  start_time: number;
  end_time: number;
  line_item?: string | null;
  project_id?: string | null;
  api_key_id?: string | null;
  amount?: number | null;
  currency?: string | null;
  quantity?: number | null;
  quantity_unit?: string | null;
}

export function focusRow(r: CostRow): unknown[] {
  const amount = r.amount ?? 0;
  const [billingStart, billingEnd] = monthOf(r.start_time);
  const item = r.line_item ?? '';
  const model = item.split(', ')[0] ?? '';
  const tags: Record<string, string> = {};
  if (model) tags.model = model;
  const row: Record<(typeof FOCUS_COLUMNS)[number], unknown> = {
    BilledCost: amount,
    EffectiveCost: amount,
    ListCost: amount,
    ContractedCost: amount,
    BillingCurrency: (r.currency ?? 'usd').toUpperCase(),
    BillingPeriodStart: billingStart,
    BillingPeriodEnd: billingEnd,
    ChargePeriodStart: iso(r.start_time),
    ChargePeriodEnd: iso(r.end_time),
    ChargeCategory: amount < 0 ? 'Credit' : 'Usage',
    ChargeClass: null,
    ChargeDescription: item || null,
    ChargeFrequency: 'Usage-Based',
    ConsumedQuantity: r.quantity ?? null,
    ConsumedUnit: r.quantity_unit ?? null,
    PricingQuantity: r.quantity ?? null,
    PricingUnit: r.quantity_unit ?? null,
    ServiceCategory: 'AI and Machine Learning',
    ServiceName: 'OpenAI API',
    ServiceProviderName: 'OpenAI',
    HostProviderName: 'OpenAI',
    InvoiceIssuerName: 'OpenAI',
    SkuId: item || null,
    SubAccountId: r.project_id ?? null,
    ResourceId: r.api_key_id ?? null,
    ResourceType: r.api_key_id ? 'API key' : null,
    Tags: Object.keys(tags).length > 0 ? JSON.stringify(tags) : null,
  };
  return FOCUS_COLUMNS.map((c) => row[c]);
}
