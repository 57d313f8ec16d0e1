/**
 * Upgrading a store written at migration version 10 (filter indexes on audit_events) with the current
 * code, on both engines: migration 11 interns every filter value and posts every event under it, the
 * four text indexes are gone, lists and counts answer as an oracle over the stored rows says, and new
 * writes after the upgrade (new values, known values, a new organization) get term ids that do not
 * collide with the migrated ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { AuditListQuery, ListedAuditEvent, StoredAuditEvent } from '../../src/features/audit-logs/types.js';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import type { Store } from '../../src/store/store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL } from '../helpers/pg.js';
import { openTestStore } from '../helpers/store.js';
import { T0 } from './usage-fixtures.js';

const V10 = (v: number) => v <= 10;
const TYPES = ['login.succeeded', 'project.created', 'api_key.updated'];
const pick = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

interface OldEvent {
  org: string;
  seq: number;
  effectiveAt: number;
  type: string;
  tenant: boolean;
  projectId: string | null;
  actorEmail: string | null;
  resourceId: string | null;
}

/** Events of two organizations with repeated and one-off values, nulls, and both tenant flags. */
function oldEvents(): OldEvent[] {
  const events: OldEvent[] = [];
  for (const [org, n] of [
    ['org_a', 40],
    ['org_b', 15],
  ] as const)
    for (let seq = 1; seq <= n; seq++)
      events.push({
        org,
        seq,
        // Ties on effective_at on purpose: list order falls back to seq.
        effectiveAt: T0 + Math.floor(seq / 2),
        type: pick(TYPES, seq * 7),
        tenant: seq % 9 === 0,
        projectId: seq % 4 === 0 ? null : pick(['proj_1', 'proj_2', 'proj_3'], seq),
        actorEmail: seq % 5 === 0 ? null : pick(['a@x.io', 'b@x.io'], seq * 3),
        resourceId: seq % 3 === 0 ? null : seq % 2 === 0 ? pick(['res_shared_1', 'res_shared_2'], seq) : `res_${org}_${seq}`,
      });
  return events;
}

const body = (e: { org: string; seq: number; effectiveAt: number; type: string }) =>
  `{"effective_at":${e.effectiveAt},"id":"evt_${e.org}_${e.seq}","type":"${e.type}"}`;

function oldRows(pgIds: boolean, events: OldEvent[]): { sql: string; params: unknown[] }[] {
  const rows: { sql: string; params: unknown[] }[] = [];
  const orgs = new Map<string, number>();
  for (const e of events) orgs.set(e.org, Math.max(orgs.get(e.org) ?? 0, e.seq));
  const ph = (n: number) => Array.from({ length: n }, (_, i) => (pgIds ? `$${i + 1}` : '?')).join(', ');
  for (const [org, n] of orgs) rows.push({ sql: `INSERT INTO organizations (id, name, created_at, audit_seq) VALUES (${ph(4)})`, params: [org, org, 0, n] });
  for (const e of events) {
    const id = `evt_${e.org}_${e.seq}`;
    rows.push({
      sql: `INSERT INTO audit_events (org_id, seq, id, effective_at, type, tenant, project_id, actor_email, resource_id, content_hash, ingested_at, body) VALUES (${ph(12)})`,
      params: [e.org, e.seq, id, e.effectiveAt, e.type, pgIds ? e.tenant : e.tenant ? 1 : 0, e.projectId, e.actorEmail, e.resourceId, `h${e.seq}`, T0, body(e)],
    });
    if (pgIds)
      rows.push({
        sql: `INSERT INTO audit_event_ids (org_id, id, effective_at, seq, content_hash) VALUES (${ph(5)})`,
        params: [e.org, id, e.effectiveAt, e.seq, `h${e.seq}`],
      });
  }
  return rows;
}

/** What a list must answer, computed from the events themselves. */
function oracle(events: OldEvent[], q: AuditListQuery): string[] {
  const has = (list: string[] | undefined, v: string | null) => list === undefined || (v !== null && list.includes(v));
  return events
    .filter(
      (e) =>
        e.org === q.orgId &&
        e.tenant === q.tenantOnly &&
        has(q.types, e.type) &&
        has(q.projectIds, e.projectId) &&
        has(q.actorEmails, e.actorEmail) &&
        has(q.resourceIds, e.resourceId),
    )
    .sort((a, b) => b.effectiveAt - a.effectiveAt || b.seq - a.seq)
    .slice(0, q.fetch)
    .map((e) => `evt_${e.org}_${e.seq}`);
}

const QUERIES: Omit<AuditListQuery, 'orgId' | 'tenantOnly' | 'effectiveAt' | 'direction' | 'fetch'>[] = [
  {},
  { types: ['login.succeeded'] },
  { types: ['project.created', 'api_key.updated', 'never.seen'] },
  { projectIds: ['proj_2'] },
  { actorEmails: ['b@x.io'], types: ['login.succeeded', 'project.created'] },
  { resourceIds: ['res_shared_1'] },
  { resourceIds: ['res_org_a_7', 'res_shared_2', 'res_org_b_7'] },
  { resourceIds: ['res_org_a_1'], projectIds: ['proj_1', 'proj_2'] },
  { projectIds: ['proj_9'] },
];

async function listIds(store: Store, q: AuditListQuery): Promise<string[]> {
  return (await store.audit.listAuditEvents(q)).map((e: ListedAuditEvent) => e.id);
}

async function checkLists(store: Store, events: OldEvent[]): Promise<void> {
  for (const orgId of ['org_a', 'org_b'])
    for (const tenantOnly of [false, true])
      for (const filters of QUERIES)
        for (const fetch of [3, 100]) {
          const q: AuditListQuery = { orgId, tenantOnly, effectiveAt: {}, direction: 'desc', fetch, ...filters };
          expect(await listIds(store, q), JSON.stringify(q)).toEqual(oracle(events, q));
        }
  const counts = await store.audit.countAuditEvents({ orgId: 'org_a', types: TYPES, start: T0, end: T0 + 100, width: 5 });
  const expected = new Map<string, number>();
  for (const e of events.filter((e) => e.org === 'org_a' && TYPES.includes(e.type) && e.effectiveAt < T0 + 100)) {
    const key = `${e.type}/${Math.floor((e.effectiveAt - T0) / 5)}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  expect(new Map(counts.map((c) => [`${c.type}/${c.bucket}`, c.count]))).toEqual(expected);
}

const newEvent = (org: string, seq: number, type: string, resourceId: string | null): StoredAuditEvent => ({
  orgId: org,
  seq,
  id: `evt_${org}_${seq}`,
  effectiveAt: T0 + 1000 + seq,
  type,
  tenant: false,
  projectId: 'proj_new',
  actorEmail: 'a@x.io',
  actorIds: ['user_1'],
  resourceId,
  contentHash: `h${seq}`,
  body: body({ org, seq, effectiveAt: T0 + 1000 + seq, type }),
  ingestedAt: T0,
});

async function check(store: Store): Promise<void> {
  const events = oldEvents();
  await checkLists(store, events);

  // New writes: a new type, project and resource next to known ones.
  await store.write(async (tx) => {
    const seq = await tx.audit.allocateAuditSeq('org_a', 2);
    expect(seq).toBe(41);
    await tx.audit.insertAuditEvents([newEvent('org_a', 41, 'brand.new', 'res_shared_1'), newEvent('org_a', 42, 'login.succeeded', 'res_fresh')]);
  });
  const all: OldEvent[] = [
    ...events,
    ...[41, 42].map((seq) => ({
      org: 'org_a',
      seq,
      effectiveAt: T0 + 1000 + seq,
      type: seq === 41 ? 'brand.new' : 'login.succeeded',
      tenant: false,
      projectId: 'proj_new',
      actorEmail: 'a@x.io',
      resourceId: seq === 41 ? 'res_shared_1' : 'res_fresh',
    })),
  ];
  await checkLists(store, all);
  for (const filters of [{ types: ['brand.new'] }, { projectIds: ['proj_new'] }, { resourceIds: ['res_fresh'] }, { resourceIds: ['res_shared_1'] }]) {
    const q: AuditListQuery = { orgId: 'org_a', tenantOnly: false, effectiveAt: {}, direction: 'desc', fetch: 100, ...filters };
    expect(await listIds(store, q), JSON.stringify(filters)).toEqual(oracle(all, q));
  }
}

describe('a store written at version 10 upgraded by the current code gets audit postings', () => {
  it('sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgledger-m11-'));
    const path = join(dir, 's.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of sqliteMigrations.filter((m) => V10(m.version))) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
    }
    for (const { sql, params } of oldRows(false, oldEvents())) db.prepare(sql).run(...params);
    // The ledger the version-10 code would have written for these events.
    sqliteMigrations.find((m) => m.version === 6)?.run?.(db);
    db.close();
    const store = await openTestStore({ databaseUrl: path, sqliteSynchronous: 'NORMAL', maxBatchJobs: 100 });
    try {
      await check(store);
      const check2 = new Database(path, { readonly: true });
      const indexes = (check2.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events'").all() as { name: string }[]).map((r) => r.name);
      check2.close();
      expect(indexes.sort()).toEqual(['audit_events_id', 'audit_events_time']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!PG_TEST_URL)('postgres', async () => {
    const db = await freshTestDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      await pool.query('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
      for (const m of postgresMigrations.filter((m) => V10(m.version))) {
        await pool.query(m.sql);
        await pool.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
      }
      for (const { sql, params } of oldRows(true, oldEvents())) await pool.query(sql, params);
      const client = await pool.connect();
      try {
        await postgresMigrations.find((m) => m.version === 6)?.run?.(client);
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
    const store = await openTestStore({ databaseUrl: db.url, pgPoolSize: 2, maxBatchJobs: 100 });
    try {
      await check(store);
      const pool2 = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const { rows } = await pool2.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'audit_events' ORDER BY 1");
        expect(rows.map((r) => r.indexname)).toEqual(['audit_events_pkey']);
      } finally {
        await pool2.end();
      }
    } finally {
      await store.close();
      await db.drop();
    }
  });

  if (!PG_TEST_URL) it.skip(PG_SKIP_MESSAGE, () => undefined);
});
