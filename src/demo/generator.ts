/**
 * `orgledger demo`: writes a believable organization's history into a store through the same
 * services the API uses (AuditLogService.ingest validates every event exactly like POST does), in
 * batches of 1000. Deterministic for (seed, organization name, size, days, end day): event ids are
 * derived from the seed, so running the same demo twice stores nothing new.
 */
import { eventTypeNames } from '../features/audit-logs/event-types.js';
import { type AuditLogService, MAX_EVENTS_PER_BATCH } from '../features/audit-logs/service.js';
import { EPISODES } from './episodes.js';
import { buildOrganization, type DemoOrganization } from './organization.js';
import { hashSeed, Prng } from './prng.js';
import { AuditTimeline, DAY, type DemoEvent } from './timeline.js';
import { type DemoUsageWriter, UsagePlan } from './usage-plan.js';

export interface DemoOptions {
  orgId: string;
  /** Names the organization's people's email domain. */
  orgName: string;
  days: number;
  seed: number;
  people: number;
  /** Unix seconds: the demo ends here ("now"); its first day starts (days - 1) midnights before. */
  end: number;
}

export interface DemoSummary {
  events: number;
  eventTypes: number;
  byType: Record<string, number>;
  usageRecords: number;
  usageKinds: string[];
  people: number;
  projects: number;
  archivedProjects: number;
  apiKeys: number;
  start: number;
  end: number;
  seconds: number;
}

export interface DemoDeps {
  auditLogs: Pick<AuditLogService, 'ingest'>;
  /** Usage is written only when a usage writer is given (see usage-plan.ts). */
  usage?: DemoUsageWriter;
}

export type DemoProgress = (doneDays: number, totalDays: number, events: number) => void;

/** Fails loudly when the event-type registry holds a type no episode tells a story about. */
export function uncoveredEventTypes(): string[] {
  const told = new Set(EPISODES.flatMap((e) => e.steps.map(([type]) => type)));
  return eventTypeNames().filter((t) => !told.has(t));
}

export function demoWindow(days: number, end: number): { start: number; end: number } {
  return { start: Math.floor(end / DAY) * DAY - (days - 1) * DAY, end };
}

export function planOrganization(opts: DemoOptions): { rng: Prng; org: DemoOrganization } {
  const rng = new Prng((opts.seed ^ hashSeed(opts.orgName)) >>> 0);
  return { rng, org: buildOrganization(rng, opts.orgName, opts.people, opts.days) };
}

export async function generateDemo(deps: DemoDeps, opts: DemoOptions, onProgress?: DemoProgress): Promise<DemoSummary> {
  const missing = uncoveredEventTypes();
  if (missing.length > 0) throw new Error(`the demo has no episode for these event types: ${missing.join(', ')}`);
  const began = performance.now();
  const { rng, org } = planOrganization(opts);
  const { start, end } = demoWindow(opts.days, opts.end);
  const timeline = new AuditTimeline(rng, org, start, opts.days, end);
  const usage = deps.usage ? new UsagePlan(new Prng((opts.seed * 31 + 7) >>> 0), org, timeline, start, end) : null;

  const byType: Record<string, number> = {};
  let batch: DemoEvent[] = [];
  let events = 0;
  let usageRecords = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const sending = batch;
    batch = [];
    await deps.auditLogs.ingest(opts.orgId, sending);
  };
  for (let d = 0; d < opts.days; d++) {
    for (const event of timeline.day(d)) {
      batch.push(event);
      byType[event.type] = (byType[event.type] ?? 0) + 1;
      events++;
      if (batch.length >= MAX_EVENTS_PER_BATCH) await flush();
    }
    if (usage && deps.usage) usageRecords += await usage.writeDay(d, deps.usage, opts.orgId);
    onProgress?.(d + 1, opts.days, events);
  }
  await flush();
  if (usage && deps.usage) usageRecords += await usage.flush(deps.usage, opts.orgId);
  return {
    events,
    eventTypes: Object.keys(byType).length,
    byType,
    usageRecords,
    usageKinds: usage?.kindsWritten() ?? [],
    people: org.people.length,
    projects: org.projects.length,
    archivedProjects: org.projects.filter((p) => p.archivedOnDay !== null).length,
    apiKeys: timeline.keys.length,
    start,
    end,
    seconds: (performance.now() - began) / 1000,
  };
}
