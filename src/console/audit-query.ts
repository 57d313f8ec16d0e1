/**
 * The audit-log view's state lives in the URL: filters, time range and cursor. These functions map
 * URL parameters to the view's filters and the filters to the API query.
 */
import type { Query } from './api.js';
import { nowSeconds } from './format.js';

export const RANGE_PRESETS = [
  { id: 'all', label: 'All time', seconds: 0 },
  { id: '1h', label: 'Last hour', seconds: 3600 },
  { id: '24h', label: 'Last 24 hours', seconds: 86400 },
  { id: '7d', label: 'Last 7 days', seconds: 7 * 86400 },
  { id: '30d', label: 'Last 30 days', seconds: 30 * 86400 },
  { id: '90d', label: 'Last 90 days', seconds: 90 * 86400 },
  { id: 'custom', label: 'Custom…', seconds: 0 },
] as const;
export type RangeId = (typeof RANGE_PRESETS)[number]['id'];

export const TEXT_FILTERS = [
  { param: 'actor', api: 'actor_ids', label: 'Actor id', placeholder: 'user-… or key_…' },
  { param: 'email', api: 'actor_emails', label: 'Actor email', placeholder: 'name@example.com' },
  { param: 'project', api: 'project_ids', label: 'Project id', placeholder: 'proj_…' },
  { param: 'resource', api: 'resource_ids', label: 'Resource id', placeholder: 'target id' },
] as const;

export const PAGE_SIZE = 50;

export interface AuditFilters {
  types: string[];
  tenant: boolean;
  text: Record<(typeof TEXT_FILTERS)[number]['param'], string>;
  range: RangeId;
  from: number | null;
  to: number | null;
  after: string | null;
  before: string | null;
}

export function filtersFromParams(p: URLSearchParams): AuditFilters {
  const range = RANGE_PRESETS.find((r) => r.id === p.get('range'))?.id ?? 'all';
  const int = (name: string) => {
    const v = Number.parseInt(p.get(name) ?? '', 10);
    return Number.isFinite(v) ? v : null;
  };
  return {
    types: p.getAll('type'),
    tenant: p.get('tenant') === '1',
    text: { actor: p.get('actor') ?? '', email: p.get('email') ?? '', project: p.get('project') ?? '', resource: p.get('resource') ?? '' },
    range,
    from: int('from'),
    to: int('to'),
    after: p.get('after'),
    before: p.get('before'),
  };
}

export function paramsFromFilters(f: AuditFilters): URLSearchParams {
  const p = new URLSearchParams();
  for (const t of f.types) p.append('type', t);
  if (f.tenant) p.set('tenant', '1');
  for (const { param } of TEXT_FILTERS) if (f.text[param].trim()) p.set(param, f.text[param].trim());
  if (f.range !== 'all') p.set('range', f.range);
  if (f.range === 'custom') {
    if (f.from !== null) p.set('from', String(f.from));
    if (f.to !== null) p.set('to', String(f.to));
  }
  if (f.after) p.set('after', f.after);
  if (f.before) p.set('before', f.before);
  return p;
}

/** A comma- or space-separated field: each value is one of the OR-ed values of its parameter. */
export function splitValues(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((v) => v.trim())
    .filter(Boolean);
}

export function apiQuery(f: AuditFilters, now = nowSeconds()): Query {
  const q: Query = { limit: PAGE_SIZE };
  if (f.types.length) q.event_types = f.types;
  if (f.tenant) q.tenant_only = true;
  for (const { param, api } of TEXT_FILTERS) {
    const values = splitValues(f.text[param]);
    if (values.length) q[api] = values;
  }
  const preset = RANGE_PRESETS.find((r) => r.id === f.range);
  if (f.range === 'custom') {
    if (f.from !== null) q['effective_at[gte]'] = f.from;
    if (f.to !== null) q['effective_at[lt]'] = f.to;
  } else if (preset && preset.seconds > 0) q['effective_at[gte]'] = now - preset.seconds;
  if (f.after) q.after = f.after;
  if (f.before) q.before = f.before;
  return q;
}

export function hasFilters(f: AuditFilters): boolean {
  return f.types.length > 0 || f.tenant || f.range !== 'all' || TEXT_FILTERS.some(({ param }) => f.text[param].trim() !== '');
}
