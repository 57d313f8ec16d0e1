/**
 * The cast of a demo organization: people with emails and roles, projects, service accounts and API
 * keys. Pure: everything comes from the seeded generator.
 */
import type { Prng } from './prng.js';

const FIRST = [
  'Ada',
  'Alan',
  'Amara',
  'Ana',
  'Arjun',
  'Aziz',
  'Bea',
  'Ben',
  'Carla',
  'Chen',
  'Chloe',
  'Dani',
  'David',
  'Dmitri',
  'Elena',
  'Emeka',
  'Emma',
  'Farah',
  'Felix',
  'Grace',
  'Hana',
  'Hugo',
  'Ines',
  'Ivan',
  'Jae',
  'James',
  'Jana',
  'Jonas',
  'Kai',
  'Kenji',
  'Lara',
  'Leo',
  'Lina',
  'Luca',
  'Maya',
  'Mateo',
  'Mei',
  'Mira',
  'Nadia',
  'Noah',
  'Nora',
  'Olu',
  'Omar',
  'Paula',
  'Priya',
  'Quinn',
  'Rafa',
  'Rina',
  'Sam',
  'Sara',
  'Sofia',
  'Tariq',
  'Tom',
  'Uma',
  'Vera',
  'Wei',
  'Yara',
  'Yusuf',
  'Zoe',
  'Zhang',
] as const;
const LAST = [
  'Abbott',
  'Adeyemi',
  'Bauer',
  'Becker',
  'Castro',
  'Chen',
  'Costa',
  'Dahl',
  'Diaz',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Gupta',
  'Haddad',
  'Hansen',
  'Ito',
  'Jensen',
  'Kim',
  'Kowalski',
  'Larsen',
  'Lopez',
  'Mensah',
  'Moreau',
  'Murphy',
  'Nakamura',
  'Novak',
  'Okafor',
  'Olsen',
  'Park',
  'Patel',
  'Petrov',
  'Quinn',
  'Rossi',
  'Sato',
  'Schmidt',
  'Silva',
  'Singh',
  'Tanaka',
  'Torres',
  'Ueda',
  'Varga',
  'Wagner',
  'Walsh',
  'Weber',
  'Wong',
  'Yilmaz',
  'Zhou',
  'Zimmer',
] as const;
const PROJECT_NAMES = [
  'Support Copilot',
  'Search Relevance',
  'Docs Assistant',
  'Sales Email Drafts',
  'Fraud Signals',
  'Contract Review',
  'Voice Agent',
  'Onboarding Bot',
  'Data Labeling',
  'Code Review Helper',
  'Churn Insights',
  'Translation Hub',
  'Meeting Notes',
  'Image Studio',
  'Knowledge Base',
  'Eval Harness',
  'Marketing Copy',
  'Ticket Triage',
  'Forecasting Lab',
  'Security Review',
  'Recruiting Screener',
  'Catalog Enrichment',
  'Analytics Q&A',
  'Internal Sandbox',
  'Partner Portal',
  'Compliance Checks',
  'Podcast Summaries',
  'Legal Research',
] as const;
const SERVICES = ['ci-pipeline', 'batch-worker', 'ingest-api', 'nightly-evals', 'support-gateway', 'search-indexer', 'etl-sync', 'webhook-relay'];

/** The UTC offsets (hours) of the organization's offices and how many people sit in each. */
const OFFICES: readonly (readonly [number, number])[] = [
  [-8, 0.35],
  [-5, 0.3],
  [1, 0.25],
  [5.5, 0.1],
];

export interface Person {
  id: string;
  name: string;
  email: string;
  role: 'owner' | 'member' | 'reader';
  /** Hours from UTC of the person's working day. */
  utcOffset: number;
  ip: string;
  userAgent: string;
  /** Day index (within the demo) the person joins; negative: was already a member. */
  joinsOnDay: number;
  /** Day index the person leaves (user.deleted), or null. */
  leavesOnDay: number | null;
  /** How much the person uses the API (usage weighting), 0..1. */
  activity: number;
}

export interface Project {
  id: string;
  name: string;
  /** Day index it is created on (negative: before the demo window). */
  createdOnDay: number;
  archivedOnDay: number | null;
  /** Relative share of the organization's traffic. */
  weight: number;
}

export interface ServiceAccount {
  id: string;
  name: string;
  projectId: string;
}

export interface ApiKey {
  id: string;
  projectId: string;
  owner: { type: 'user'; person: Person } | { type: 'service_account'; account: ServiceAccount };
  createdOnDay: number;
  /** Day the key stops being used (rotated or deleted), or null. */
  retiredOnDay: number | null;
}

export interface DemoOrganization {
  name: string;
  domain: string;
  people: Person[];
  projects: Project[];
  serviceAccounts: ServiceAccount[];
  /** Keys alive at the start of the window; the timeline creates more. */
  initialKeys: ApiKey[];
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function makeId(rng: Prng, prefix: string, length = 24): string {
  return `${prefix}${rng.base62(length)}`;
}

export function buildOrganization(rng: Prng, name: string, size: number, days: number): DemoOrganization {
  const domain = `${slug(name) || 'demo'}.example`;
  const people: Person[] = [];
  const usedEmails = new Set<string>();
  for (let i = 0; i < size; i++) {
    const first = rng.pick(FIRST);
    const last = rng.pick(LAST);
    let local = `${first}.${last}`.toLowerCase();
    for (let n = 2; usedEmails.has(local); n++) local = `${first}.${last}${n}`.toLowerCase();
    usedEmails.add(local);
    const joinsLate = i >= 3 && rng.chance(0.12);
    people.push({
      id: makeId(rng, 'user-'),
      name: `${first} ${last}`,
      email: `${local}@${domain}`,
      role: i < Math.max(2, Math.round(size * 0.04)) ? 'owner' : rng.chance(0.08) ? 'reader' : 'member',
      utcOffset: rng.weighted(OFFICES),
      ip: `${rng.pick([73, 98, 172, 185, 203])}.${rng.int(1, 254)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      userAgent: rng.pick([
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      ]),
      joinsOnDay: joinsLate ? rng.int(0, Math.max(0, days - 1)) : -1,
      leavesOnDay: !joinsLate && i >= 3 && rng.chance(0.03) ? rng.int(Math.floor(days / 3), Math.max(0, days - 1)) : null,
      activity: Math.min(1, Math.max(0.02, 0.35 + 0.3 * rng.gaussian())),
    });
  }

  const projectCount = Math.min(PROJECT_NAMES.length, Math.max(4, Math.round(size / 12)));
  const names = [...PROJECT_NAMES];
  const projects: Project[] = [];
  for (let i = 0; i < projectCount; i++) {
    const pname = names.splice(rng.int(0, names.length - 1), 1)[0] as string;
    const createdOnDay = i === 0 || rng.chance(0.75) ? -rng.int(30, 400) : rng.int(0, Math.max(0, days - 2));
    const archivedOnDay = i > 0 && rng.chance(0.2) ? rng.int(Math.max(0, createdOnDay + 1), Math.max(0, days - 1)) : null;
    projects.push({ id: makeId(rng, 'proj_'), name: pname, createdOnDay, archivedOnDay, weight: 0.2 + rng.next() * rng.next() * 4 });
  }
  // The default project every organization has: never archived.
  const first = projects[0] as Project;
  first.name = 'Default project';
  first.archivedOnDay = null;

  const serviceAccounts: ServiceAccount[] = [];
  for (const project of projects) {
    const count = rng.int(0, 2);
    for (let i = 0; i < count; i++)
      serviceAccounts.push({ id: makeId(rng, 'svc_acct_'), name: `${rng.pick(SERVICES)}-${slug(project.name)}`, projectId: project.id });
  }

  const initialKeys: ApiKey[] = [];
  const members = people.filter((p) => p.joinsOnDay < 0 && p.role !== 'reader');
  for (const project of projects.filter((p) => p.createdOnDay < 0)) {
    const userKeys = rng.int(1, 4);
    for (let i = 0; i < userKeys; i++)
      initialKeys.push({
        id: makeId(rng, 'key_', 16),
        projectId: project.id,
        owner: { type: 'user', person: rng.pick(members) },
        createdOnDay: -rng.int(1, 200),
        retiredOnDay: null,
      });
    for (const account of serviceAccounts.filter((s) => s.projectId === project.id))
      initialKeys.push({
        id: makeId(rng, 'key_', 16),
        projectId: project.id,
        owner: { type: 'service_account', account },
        createdOnDay: -rng.int(1, 200),
        retiredOnDay: null,
      });
  }
  return { name, domain, people, projects, serviceAccounts, initialKeys };
}
