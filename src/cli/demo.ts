import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type Config, ConfigError } from '../config/config.js';
import { type DemoSummary, generateDemo } from '../demo/generator.js';
import { demoUsageWriter } from '../demo/usage-writer.js';
import { AuditLogService } from '../features/audit-logs/service.js';
import { DEFAULT_ORG_ID, type KeyService } from '../features/keys/service.js';
import { ALL_SCOPES } from '../features/keys/types.js';
import { loadPriceTable, type PriceTable } from '../features/usage/price-table.js';
import { systemClock } from '../lib/clock.js';
import type { Store } from '../store/store.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';
import { printJson } from './output.js';
import { progressBar } from './progress.js';
import { parseTime, positiveInt } from './time-args.js';

export interface DemoRun {
  days: number;
  seed: number;
  people: number;
  end?: number;
}

export const DEMO_DEFAULTS: DemoRun = { days: 90, seed: 1, people: 200 };

/** The organization `demo --org` names: an existing one by id or unique name, else a new one of that name. */
async function demoOrg(store: Store, keys: KeyService, ref: string): Promise<{ orgId: string; name: string; adminKey: string | null }> {
  try {
    const orgId = await resolveOrg(store, ref);
    return { orgId, name: (await store.keys.getOrganization(orgId))?.name ?? ref, adminKey: null };
  } catch (err) {
    if (!(err instanceof ConfigError) || /ambiguous/.test(err.message) || ref.startsWith('org-')) throw err;
    const created = await keys.createOrganization(ref);
    return { orgId: created.org.id, name: ref, adminKey: created.key.secret };
  }
}

/** Generates the demo into an organization (the default one unless named), with a progress bar on a terminal. */
export async function runDemo(
  store: Store,
  keys: KeyService,
  prices: PriceTable,
  run: DemoRun,
  orgRef?: string,
): Promise<{ orgId: string; orgName: string; adminKey: string | null; summary: DemoSummary; newEvents: number }> {
  let orgId = DEFAULT_ORG_ID;
  let name = 'Default organization';
  let adminKey: string | null = null;
  if (orgRef) ({ orgId, name, adminKey } = await demoOrg(store, keys, orgRef));
  else {
    await keys.ensureOrganization(DEFAULT_ORG_ID, name);
    adminKey = (await keys.ensureBootstrapKey(DEFAULT_ORG_ID, undefined))?.secret ?? null;
  }
  // Demo event ids derive from the seed: a second run acknowledges them without new copies; count the new ones.
  const service = new AuditLogService(store, systemClock);
  let newEvents = 0;
  const counting = {
    ingest: async (org: string, events: unknown[]) => {
      const ids = events.map((e) => (e as { id?: unknown }).id).filter((id): id is string => typeof id === 'string');
      const present = await store.write((tx) => tx.audit.findAuditEventHashes(org, ids));
      newEvents += events.length - present.size;
      return service.ingest(org, events);
    },
  };
  const bar = progressBar(`demo ${run.days}d`);
  const summary = await generateDemo(
    { auditLogs: counting, usage: demoUsageWriter(store, systemClock, prices) },
    { orgId, orgName: orgRef ? name : 'Northwind Labs', days: run.days, seed: run.seed, people: run.people, end: run.end ?? systemClock.nowSeconds() },
    (done, total, events) => bar.update(done, total, `${events.toLocaleString('en-US')} events`),
  );
  bar.done();
  return { orgId, orgName: name, adminKey, summary, newEvents };
}

export function describeDemo(orgId: string, s: DemoSummary, newEvents = s.events): string {
  const from = new Date(s.start * 1000).toISOString().slice(0, 10);
  const to = new Date(s.end * 1000).toISOString().slice(0, 10);
  const usage = s.usageRecords > 0 ? `, ${s.usageRecords.toLocaleString('en-US')} usage records (${s.usageKinds.length} kinds)` : '';
  return (
    `demo: ${s.events.toLocaleString('en-US')} audit events of ${s.eventTypes} types (${newEvents.toLocaleString('en-US')} new, ` +
    `${(s.events - newEvents).toLocaleString('en-US')} already present)${usage} into ${orgId}, ${from} to ${to}, ` +
    `${s.people} people, ${s.projects} projects (${s.archivedProjects} archived), ${s.apiKeys} API keys, in ${s.seconds.toFixed(1)} s`
  );
}

interface DemoOptions extends StoreOptions {
  days: number;
  seed: number;
  people: number;
  org?: string;
  end?: number;
  json?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Generate a believable organization (people, projects, keys, every audit event type, usage) into the store.')
    .option('--days <n>', 'days of history ending now', positiveInt(3660), DEMO_DEFAULTS.days)
    .option('--seed <n>', 'the same seed gives the same organization', (v) => positiveInt(2 ** 31)(v), DEMO_DEFAULTS.seed)
    .option('--people <n>', 'size of the organization', positiveInt(100000), DEMO_DEFAULTS.people)
    .option('--org <id-or-name>', 'generate into this organization (by id or unique name; a new name creates it) instead of the default one')
    .option('--end <time>', 'end the history at this ISO time instead of now (for reproducible demos)', (v) => parseTime(v))
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the store to write to [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
Runs every event through the same validation as POST /v1/organization/audit_logs. Event ids derive
from the seed, so running the same demo again adds nothing.

Examples:
  orgledger demo
  orgledger demo --days 30 --people 50 --seed 7
  orgledger demo --org "Acme Research" --end 2026-06-30T18:00:00Z --json`,
    )
    .action(async (opts: DemoOptions) => {
      const config = configFrom(opts);
      await withStore(config, async (store, keys) => {
        const { orgId, adminKey, summary, newEvents } = await runDemo(
          store,
          keys,
          loadPriceTable(config.pricesFile),
          { days: opts.days, seed: opts.seed, people: opts.people, end: opts.end },
          opts.org,
        );
        if (opts.json) printJson({ organization: orgId, admin_key: adminKey, ...summary, new_events: newEvents });
        else {
          process.stdout.write(`${describeDemo(orgId, summary, newEvents)}\n`);
          if (adminKey) process.stdout.write(`admin key of ${orgId} (shown once, store it now): ${adminKey}\n`);
        }
      });
    });
}

export interface StartDemo {
  /** The admin key to show (from ORGLEDGER_ADMIN_KEY, the bootstrap, or the demo key file), or null. */
  adminKey: string | null;
  generated: DemoSummary | null;
}

/**
 * `serve --demo`: the first start generates the demo into the default organization; later starts
 * reuse it. The demo's admin key is kept in <data>/demo-admin-key (0600) so every start can print a
 * working key: a convenience for a demo store, which is why plain `serve` never does this.
 */
export async function startDemo(
  store: Store,
  keys: KeyService,
  config: Config,
  bootstrap: string | null,
  size: { days?: number; people?: number } = {},
): Promise<StartDemo> {
  const keyFile = join(config.dataDir, 'demo-admin-key');
  let adminKey = config.adminKey ?? bootstrap;
  if (!adminKey && existsSync(keyFile)) {
    const saved = readFileSync(keyFile, 'utf8').trim();
    if (await keys.authenticate(saved)) adminKey = saved;
  }
  if (!adminKey) adminKey = (await keys.createOperatorKey(DEFAULT_ORG_ID, 'demo console', [...ALL_SCOPES])).secret;
  if (!config.adminKey) {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, `${adminKey}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600); // the mode above applies only when the file is new
  }
  const any = await store.audit.listAuditEvents({ orgId: DEFAULT_ORG_ID, tenantOnly: false, effectiveAt: {}, direction: 'desc', fetch: 1 });
  if (any.length > 0) return { adminKey, generated: null };
  const { summary } = await runDemo(store, keys, loadPriceTable(config.pricesFile), {
    ...DEMO_DEFAULTS,
    days: size.days ?? DEMO_DEFAULTS.days,
    people: size.people ?? DEMO_DEFAULTS.people,
  });
  return { adminKey, generated: summary };
}

/** What `serve --demo` prints: where it is, a key, and two ways to call it. */
export function demoBanner(url: string, demo: StartDemo): string[] {
  const lines: string[] = [];
  if (demo.generated) lines.push(`  ${describeDemo(DEFAULT_ORG_ID, demo.generated)}`);
  else lines.push('  demo organization: already in the store (reused)');
  if (!demo.adminKey) return lines;
  const key = demo.adminKey;
  lines.push(
    `  admin key: ${key}`,
    '',
    '  curl:',
    `    curl -s -H "Authorization: Bearer ${key}" "${url}/v1/organization/audit_logs?limit=3"`,
    '',
    '  openai SDK (npm install openai):',
    `    node -e "const OpenAI=require('openai'); new OpenAI({adminAPIKey:'${key}', apiKey:'unused', baseURL:'${url}/v1'}).admin.organization.auditLogs.list({limit:3}).then(p=>console.log(JSON.stringify(p.data,null,2)))"`,
    '',
    '  CLI:',
    `    npx orgledger logs --url ${url} --key ${key} --since 1d`,
  );
  return lines;
}
