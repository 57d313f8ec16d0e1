/**
 * The demo's usage: hourly records for every usage kind, drawn from the API keys alive on each day,
 * with a daily rhythm (office hours across the organization's time zones), a weekly one (quiet
 * weekends) and growth over the window, on current models. Records are handed to a DemoUsageWriter:
 * the adapter onto the usage feature's ingest service.
 */

import { USAGE_KIND_NAMES, type UsageKindName } from '../features/usage/kinds.js';
import type { DemoOrganization, Project } from './organization.js';
import type { Prng } from './prng.js';
import { type AuditTimeline, DAY } from './timeline.js';

/** The usage kinds the demo writes: every one the registry knows. */
export const USAGE_KINDS = USAGE_KIND_NAMES;
export type UsageKind = UsageKindName;

/** One usage record: its hour, its dimensions and its measures (the names the usage results use). */
export interface DemoUsageRecord {
  kind: UsageKind;
  /** Derived from the seed: writing the same demo twice stores each record once. */
  id: string;
  /** Unix seconds within the hour the usage happened in. */
  timestamp: number;
  project_id: string;
  user_id?: string | null;
  api_key_id?: string | null;
  model?: string;
  batch?: boolean;
  service_tier?: string;
  size?: string;
  source?: string;
  vector_store_id?: string;
  context_level?: string;
  measures: Record<string, number>;
}

/** The seam to the usage feature: writes one kind's records of a day for an organization. */
export interface DemoUsageWriter {
  write(orgId: string, kind: UsageKind, records: DemoUsageRecord[]): Promise<void>;
}

const CHAT_MODELS: readonly (readonly [string, number])[] = [
  ['gpt-5-mini-2025-08-07', 3],
  ['gpt-5-2025-08-07', 2],
  ['gpt-4.1-mini-2025-04-14', 5],
  ['gpt-4.1-2025-04-14', 3],
  ['gpt-4o-mini-2024-07-18', 3],
  ['gpt-4o-2024-08-06', 2],
  ['o4-mini-2025-04-16', 2],
  ['o3-2025-04-16', 1],
  ['gpt-4.1-nano-2025-04-14', 1],
];
/** Share of the day's traffic in each UTC hour: the organization's offices span UTC-8 to UTC+5:30. */
const HOUR_SHAPE = Array.from({ length: 24 }, (_, h) => 0.15 + Math.exp(-((h - 17) ** 2) / 18) + 0.6 * Math.exp(-((h - 11) ** 2) / 10));
const HOUR_TOTAL = HOUR_SHAPE.reduce((a, b) => a + b, 0);

export class UsagePlan {
  private readonly written = new Set<UsageKind>();
  private readonly buffers = new Map<UsageKind, DemoUsageRecord[]>();
  private readonly keyModels = new Map<string, string>();
  private readonly vectorStores = new Map<string, string[]>();

  constructor(
    private readonly rng: Prng,
    private readonly org: DemoOrganization,
    private readonly timeline: AuditTimeline,
    private readonly start: number,
    private readonly end: number,
  ) {}

  kindsWritten(): string[] {
    return USAGE_KINDS.filter((k) => this.written.has(k));
  }

  /**
   * Generates day `d` into per-kind buffers and writes each buffer once it holds `flushAt` records
   * (one write per buffer, not per day: fewer commits). Returns how many records were written.
   */
  async writeDay(d: number, writer: DemoUsageWriter, orgId: string, flushAt = 10_000): Promise<number> {
    let count = 0;
    for (const [kind, records] of this.day(d)) {
      const buffer = this.buffers.get(kind) ?? [];
      buffer.push(...records);
      this.buffers.set(kind, buffer);
      if (buffer.length >= flushAt) count += await this.flushKind(kind, writer, orgId);
    }
    return count;
  }

  /** Writes whatever is still buffered. */
  async flush(writer: DemoUsageWriter, orgId: string): Promise<number> {
    let count = 0;
    for (const kind of USAGE_KINDS) count += await this.flushKind(kind, writer, orgId);
    return count;
  }

  private async flushKind(kind: UsageKind, writer: DemoUsageWriter, orgId: string): Promise<number> {
    const records = this.buffers.get(kind) ?? [];
    if (records.length === 0) return 0;
    this.buffers.set(kind, []);
    await writer.write(orgId, kind, records);
    this.written.add(kind);
    return records.length;
  }

  day(d: number): Map<UsageKind, DemoUsageRecord[]> {
    const rng = this.rng;
    const dayStart = this.start + d * DAY;
    const weekday = new Date(dayStart * 1000).getUTCDay();
    const rhythm = (weekday === 0 || weekday === 6 ? 0.25 : 1) * (1 + (0.6 * d) / Math.max(1, this.timeline.days));
    const out = new Map<UsageKind, DemoUsageRecord[]>();
    const add = (r: Omit<DemoUsageRecord, 'id'>) => {
      const id = `demo-${r.kind}-${rng.base32(20)}`;
      if (r.timestamp >= this.end) return;
      const list = out.get(r.kind) ?? [];
      list.push({ ...r, id });
      out.set(r.kind, list);
    };
    const hour = () => dayStart + rng.weighted(HOUR_SHAPE.map((w, h) => [h, w / HOUR_TOTAL] as const)) * 3600 + rng.int(0, 3599);

    for (const key of this.timeline.keys) {
      if (!this.timeline.keyActive(key, d)) continue;
      const project = this.org.projects.find((p) => p.id === key.projectId) as Project;
      const userId = key.owner.type === 'user' ? key.owner.person.id : null;
      const base = { project_id: project.id, user_id: userId, api_key_id: key.id };
      const weight = project.weight * (key.owner.type === 'service_account' ? 2 : key.owner.person.activity);
      let model = this.keyModels.get(key.id);
      if (!model) {
        model = rng.weighted(CHAT_MODELS);
        this.keyModels.set(key.id, model);
      }
      for (let i = rng.poisson(6 * weight * rhythm); i > 0; i--) {
        const requests = rng.int(5, 400);
        const input = requests * rng.int(300, 3000);
        const cached = Math.floor(input * rng.next() * 0.5);
        const output = requests * rng.int(80, 700);
        const batch = key.owner.type === 'service_account' && rng.chance(0.2);
        add({
          kind: 'completions',
          timestamp: hour(),
          ...base,
          model: rng.chance(0.8) ? model : rng.weighted(CHAT_MODELS),
          batch,
          service_tier: batch
            ? 'default'
            : rng.weighted([
                ['default', 8],
                ['flex', 1],
                ['priority', 1],
              ] as const),
          measures: {
            input_tokens: input,
            output_tokens: output,
            input_cached_tokens: cached,
            input_uncached_tokens: input - cached,
            input_text_tokens: input - cached,
            output_text_tokens: output,
            num_model_requests: requests,
          },
        });
      }
      if (rng.chance(0.35 * weight * rhythm)) {
        const requests = rng.int(10, 2000);
        add({
          kind: 'embeddings',
          timestamp: hour(),
          ...base,
          model: rng.pick(['text-embedding-3-small', 'text-embedding-3-large']),
          measures: { input_tokens: requests * rng.int(50, 600), num_model_requests: requests },
        });
      }
      if (rng.chance(0.2 * rhythm)) {
        const requests = rng.int(20, 800);
        add({
          kind: 'moderations',
          timestamp: hour(),
          ...base,
          model: 'omni-moderation-latest',
          measures: { input_tokens: requests * rng.int(40, 300), num_model_requests: requests },
        });
      }
      if (rng.chance(0.08 * weight * rhythm)) {
        const requests = rng.int(1, 40);
        add({
          kind: 'images',
          timestamp: hour(),
          ...base,
          model: 'gpt-image-1',
          size: rng.pick(['1024x1024', '1024x1792', '1792x1792', '512x512']),
          source: rng.weighted([
            ['image.generation', 6],
            ['image.edit', 3],
            ['image.variation', 1],
          ] as const),
          measures: { images: requests * rng.int(1, 4), num_model_requests: requests },
        });
      }
      if (rng.chance(0.05 * rhythm)) {
        const requests = rng.int(1, 60);
        add({
          kind: 'audio_speeches',
          timestamp: hour(),
          ...base,
          model: rng.pick(['tts-1', 'tts-1-hd']),
          measures: { characters: requests * rng.int(200, 3000), num_model_requests: requests },
        });
      }
      if (rng.chance(0.05 * rhythm)) {
        const requests = rng.int(1, 60);
        add({
          kind: 'audio_transcriptions',
          timestamp: hour(),
          ...base,
          model: 'whisper-1',
          measures: { seconds: requests * rng.int(20, 900), num_model_requests: requests },
        });
      }
      if (rng.chance(0.15 * rhythm)) {
        const stores = this.storesOf(project);
        add({ kind: 'file_search_calls', timestamp: hour(), ...base, vector_store_id: rng.pick(stores), measures: { num_requests: rng.int(5, 400) } });
      }
      if (rng.chance(0.12 * rhythm)) {
        const requests = rng.int(2, 200);
        add({
          kind: 'web_search_calls',
          timestamp: hour(),
          ...base,
          model: rng.pick(['gpt-4.1-2025-04-14', 'gpt-4o-2024-08-06', 'o4-mini-2025-04-16']),
          context_level: rng.weighted([
            ['low', 3],
            ['medium', 5],
            ['high', 1],
          ] as const),
          measures: { num_model_requests: requests, num_requests: requests + rng.int(0, requests) },
        });
      }
    }
    for (const project of this.org.projects) {
      if (!this.timeline.projectActive(project, d)) continue;
      // vector store storage is a level: one reading per project and day, growing slowly.
      const bytes = Math.round(project.weight * 2e8 * (1 + d / 30) * (0.9 + 0.2 * rng.next()));
      add({ kind: 'vector_stores', timestamp: dayStart + 12 * 3600, project_id: project.id, measures: { usage_bytes: bytes } });
      const sessions = rng.poisson(2 * project.weight * rhythm);
      if (sessions > 0) add({ kind: 'code_interpreter_sessions', timestamp: hour(), project_id: project.id, measures: { num_sessions: sessions } });
    }
    return out;
  }

  private storesOf(project: Project): string[] {
    let stores = this.vectorStores.get(project.id);
    if (!stores) {
      stores = Array.from({ length: this.rng.int(1, 3) }, () => `vs_${this.rng.base62(24)}`);
      this.vectorStores.set(project.id, stores);
    }
    return stores;
  }
}
