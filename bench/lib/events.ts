/**
 * Deterministic, realistic audit events for the benchmarks: ~60 event types with a skewed mix, 200
 * users with emails, 20 projects, API keys owned by users or service accounts, session and api_key
 * actors, and a details object of the shape the spec gives each type. Roughly 500 bytes of JSON each.
 */
import { eventTypeNames, eventTypes } from '../../src/features/audit-logs/event-types.js';

/** mulberry32: small, fast and reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil'];
const LAST = ['smith', 'jones', 'garcia', 'nguyen', 'müller', 'rossi', 'kowalski', 'tanaka', 'okafor', 'silva', 'dubois', 'larsen'];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];
const PROJECT_WORDS = ['Support', 'Search', 'Billing', 'Assistant', 'Analytics', 'Onboarding', 'Translation', 'Fraud', 'Docs', 'Voice'];

export interface BenchUser {
  id: string;
  email: string;
}
interface BenchKey {
  id: string;
  user?: BenchUser;
  serviceAccountId?: string;
}
interface BenchProject {
  id: string;
  name: string;
}

export interface Population {
  users: BenchUser[];
  projects: BenchProject[];
  keys: BenchKey[];
  /** Event types in popularity order, with cumulative weights for drawing. */
  types: string[];
  cumulative: number[];
}

function token(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(r() * ALNUM.length)];
  return s;
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

/** The same population for every seed-sharing process (the bench and its load-generator child). */
export function population(seed = 42): Population {
  const r = rng(seed);
  const users = Array.from({ length: 200 }, (_, i) => ({
    id: `user-${token(r, 24)}`,
    email: `${pick(r, FIRST)}.${pick(r, LAST)}${i}@mail.example-corporation.com`,
  }));
  const projects = Array.from({ length: 20 }, (_, i) => ({
    id: `proj_${token(r, 24)}`,
    name: `${pick(r, PROJECT_WORDS)} ${pick(r, PROJECT_WORDS)} ${pick(r, PROJECT_WORDS)} (${pick(r, REGIONS)} production) ${i}`,
  }));
  const keys: BenchKey[] = Array.from({ length: 40 }, (_, i) =>
    i % 5 < 3 ? { id: `key_${token(r, 16)}`, user: pick(r, users) } : { id: `key_${token(r, 16)}`, serviceAccountId: `svc_acct_${token(r, 20)}` },
  );
  // 59 organization-level types and one tenant-scoped type, drawn with a Zipf-like skew.
  const registry = eventTypes();
  const orgTypes = eventTypeNames().filter((t) => !registry.get(t)?.tenantScoped);
  const shuffled = [...orgTypes].sort(() => r() - 0.5);
  const types = [...shuffled, 'tenant.user.added'];
  let total = 0;
  const cumulative = types.map((_, rank) => {
    total += 1 / (rank + 1) ** 0.8;
    return total;
  });
  return { users, projects, keys, types, cumulative: cumulative.map((c) => c / total) };
}

function drawType(r: () => number, pop: Population): string {
  const x = r();
  let lo = 0;
  let hi = pop.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((pop.cumulative[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return pop.types[lo] as string;
}

function ip(r: () => number): string {
  return `${pick(r, [203, 198, 192, 100])}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
}

function actor(r: () => number, pop: Population): Record<string, unknown> {
  if (r() < 0.7) return { type: 'session', session: { user: { ...pick(r, pop.users) }, ip_address: ip(r) } };
  const key = pick(r, pop.keys);
  if (key.user) return { type: 'api_key', api_key: { id: key.id, type: 'user', user: { ...key.user } } };
  return { type: 'api_key', api_key: { id: key.id, type: 'service_account', service_account: { id: key.serviceAccountId } } };
}

/** A details object matching the spec's shape for the type. */
function details(type: string, r: () => number, pop: Population, project: BenchProject): Record<string, unknown> {
  const family = type.slice(0, type.lastIndexOf('.'));
  const verb = type.slice(type.lastIndexOf('.') + 1);
  const user = pick(r, pop.users);
  const id = (prefix: string) => `${prefix}${token(r, 24)}`;
  switch (family) {
    case 'login':
    case 'logout':
      return verb === 'failed' ? { error_code: 'invalid_credentials', error_message: 'The email or password you entered is incorrect.' } : {};
    case 'certificates':
      return { certificates: [0, 1].map(() => ({ id: id('cert_'), name: `mtls-${token(r, 6)}` })) };
    case 'ip_allowlist.config':
      return { configs: [{ id: id('ipcfg_'), name: `office-${token(r, 4)}` }] };
    case 'ip_allowlist':
      return { id: id('ipl_'), name: `corp-egress-${token(r, 4)}`, allowed_ips: ['203.0.113.0/24', ip(r)] };
    case 'certificate':
      return { id: id('cert_'), name: `mtls-client-${token(r, 6)}` };
    case 'rate_limit':
      return verb === 'updated'
        ? { id: id('rl_'), changes_requested: { max_requests_per_1_minute: 500, max_tokens_per_1_minute: 200000, max_requests_per_1_day: 10000 } }
        : { id: id('rl_') };
    case 'organization':
      return { id: 'org-default', changes_requested: { title: 'Example Corp', description: 'Production organization of Example Corp' } };
    case 'role':
      return verb === 'created'
        ? {
            id: id('role_'),
            role_name: 'Billing reader',
            permissions: ['api.usage.read', 'api.billing.read'],
            resource_type: 'api.project',
            resource_id: project.id,
          }
        : verb === 'updated'
          ? { id: id('role_'), changes_requested: { role_name: 'Billing reader', permissions_added: ['api.usage.read'] } }
          : { id: id('role_') };
    case 'role.assignment':
      return { id: id('ra_'), principal_id: user.id, principal_type: 'user', resource_id: project.id, resource_type: 'api.project' };
    case 'workload_identity_provider_mapping':
      return {
        id: id('wipm_'),
        identity_provider_id: id('wip_'),
        ...(verb === 'deleted' ? { project_id: project.id } : { data: { subject: 'repo:acme/app' } }),
      };
    case 'checkpoint.permission':
      return verb === 'created'
        ? { id: id('cp_'), data: { project_id: project.id, fine_tuned_model_checkpoint: `ft:gpt-4o-mini:acme::${token(r, 8)}` } }
        : { id: id('cp_') };
    case 'project':
      if (verb === 'created') return { id: project.id, data: { name: project.name, title: project.name } };
      if (verb === 'updated') return { id: project.id, changes_requested: { title: `${project.name} (renamed)` } };
      return { id: project.id };
    case 'user':
    case 'service_account': {
      const target = family === 'user' ? user.id : id('svc_acct_');
      if (verb === 'added' || verb === 'created') return { id: target, data: { role: pick(r, ['owner', 'member']) } };
      if (verb === 'updated') return { id: target, changes_requested: { role: pick(r, ['owner', 'member']) } };
      return { id: target };
    }
    case 'invite':
      return verb === 'sent' ? { id: id('invite-'), data: { email: pick(r, pop.users).email, role: 'member' } } : { id: id('invite-') };
    case 'group':
      return verb === 'deleted'
        ? { id: id('group_') }
        : { id: id('group_'), [verb === 'created' ? 'data' : 'changes_requested']: { group_name: 'Data science' } };
    case 'api_key':
      return verb === 'deleted'
        ? { id: pick(r, pop.keys).id }
        : { id: pick(r, pop.keys).id, [verb === 'created' ? 'data' : 'changes_requested']: { scopes: ['api.model.read', 'api.model.request'] } };
    default:
      return verb === 'created' || verb === 'registered'
        ? { id: id('res_'), data: { name: `resource-${token(r, 8)}`, region: 'us-east-1' } }
        : { id: id('res_') };
  }
}

export interface EventOptions {
  /** effective_at of the event; defaults to a time within the last hour of `now`. */
  effectiveAt?: number;
  now?: number;
}

/** One event as a client submits it (no id: the server assigns one). */
export function makeEvent(r: () => number, pop: Population, opts: EventOptions = {}): Record<string, unknown> {
  const type = drawType(r, pop);
  const project = pick(r, pop.projects);
  const effectiveAt = opts.effectiveAt ?? (opts.now ?? Math.floor(Date.now() / 1000)) - Math.floor(r() * 3600);
  const event: Record<string, unknown> = { type, effective_at: effectiveAt, actor: actor(r, pop) };
  if (!type.startsWith('login.') && !type.startsWith('logout.')) event.project = { ...project };
  event[type] = details(type, r, pop, project);
  return event;
}

export function makeBatch(r: () => number, pop: Population, size: number, opts: EventOptions = {}): Record<string, unknown>[] {
  return Array.from({ length: size }, () => makeEvent(r, pop, opts));
}
