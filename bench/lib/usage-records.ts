/** Deterministic gateway-shaped completions records for the usage benchmarks (bench/usage.ts, bench/ingest.ts). */

export const MODELS = [
  'gpt-4o',
  'gpt-4o-mini',
  'gpt-4.1',
  'gpt-4.1-mini',
  'gpt-4.1-nano',
  'o3',
  'o4-mini',
  'gpt-5',
  'gpt-5-mini',
  'gpt-5-nano',
  'gpt-4o-audio-preview',
  'gpt-4o-realtime-preview',
];

/** One gateway record: key -> project and user; each key uses three models; some batch, flex, priority. */
export function makeRecord(r: () => number, createdAt: number): Record<string, unknown> {
  const key = Math.floor(r() * 400);
  const model = MODELS[(key * 7 + Math.floor(r() * 3)) % 12] as string;
  const batch = r() < 0.08;
  const tierDraw = r();
  const input = 200 + Math.floor(r() * 4000);
  const cached = r() < 0.4 ? Math.floor(input * r() * 0.8) : 0;
  return {
    created_at: createdAt,
    project_id: `proj_${key % 20}`,
    user_id: `user-${key % 200}`,
    api_key_id: `key_${key}`,
    model,
    batch,
    service_tier: batch ? 'default' : tierDraw < 0.85 ? 'default' : tierDraw < 0.9 ? 'flex' : 'priority',
    input_tokens: input,
    input_cached_tokens: cached,
    output_tokens: 20 + Math.floor(r() * 800),
  };
}
