/** The usage kinds, their group_by values and measures (read from the packaged spec at build time). */
declare const __USAGE_KINDS__: { name: string; groupBy: string[]; measures: string[] }[];

export const USAGE_KINDS = __USAGE_KINDS__;

export const DIMENSION_LABELS: Record<string, string> = {
  model: 'Model',
  project_id: 'Project',
  user_id: 'User',
  api_key_id: 'API key',
  batch: 'Batch',
  service_tier: 'Service tier',
  size: 'Size',
  source: 'Source',
  vector_store_id: 'Vector store',
  context_level: 'Context level',
};

/** The measure each kind charts first. */
const PREFERRED = ['input_tokens', 'images', 'characters', 'seconds', 'usage_bytes', 'num_sessions', 'num_requests', 'num_model_requests'];

export function defaultMeasure(measures: string[]): string {
  return PREFERRED.find((m) => measures.includes(m)) ?? measures[0] ?? 'num_model_requests';
}

export function label(name: string): string {
  return (name.charAt(0).toUpperCase() + name.slice(1)).replaceAll('_', ' ');
}

export const WIDTHS = [
  { id: '1d', seconds: 86400, label: 'Day', ranges: [7, 30, 90], unit: 'days', max: 31 },
  { id: '1h', seconds: 3600, label: 'Hour', ranges: [24, 72, 168], unit: 'hours', max: 168 },
  { id: '1m', seconds: 60, label: 'Minute', ranges: [60, 180, 360], unit: 'minutes', max: 1440 },
] as const;
export type WidthId = (typeof WIDTHS)[number]['id'];

/** A range of `count` whole buckets ending with the current one, on the UTC grid of the width. */
export function alignedRange(widthSeconds: number, count: number, now: number): { start: number; end: number } {
  const end = Math.floor(now / widthSeconds) * widthSeconds + widthSeconds;
  return { start: end - count * widthSeconds, end };
}
