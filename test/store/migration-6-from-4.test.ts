/**
 * Upgrading a store written at migration version 4 (before the ledger, migration 6) with the current
 * code, on both engines: its audit events, usage records and cost entries get their logs built at
 * migration (audit in seq order, usage records by time, then cost entries), the logged roots equal
 * RFC 6962 roots computed here from the rows' own bytes, new writes extend the same trees, and
 * verifyLedger passes against checkpoints signed after the upgrade.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { LogName } from '../../src/features/ledger/leaf-data.js';
import { storedHashIndex, treeHash, withStoredHashes } from '../../src/features/ledger/merkle.js';
import { noteSigner } from '../../src/features/ledger/note.js';
import { LedgerService } from '../../src/features/ledger/service.js';
import { verifyLedger } from '../../src/features/ledger/verify.js';
import { systemClock } from '../../src/lib/clock.js';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import type { Store } from '../../src/store/store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL } from '../helpers/pg.js';
import { openTestStore } from '../helpers/store.js';
import { rfcLeaf, rfcRoot } from '../ledger/helpers.js';
import { T0, usageRecord } from './usage-fixtures.js';

const V4 = (v: number) => v <= 4;
/** An event body already in JCS form (sorted keys, no spaces), so its leaf data is the text itself. */
const body = (i: number, org: string) => `{"effective_at":${T0 + i},"id":"evt_${org}_${i}","login.succeeded":{},"type":"login.succeeded"}`;
const EVENTS = { org_m: 5, org_n: 2 } as const;

/** The rows a version-4 store holds; PostgreSQL also keeps its id tables (`ids`). */
function oldRows(ids: boolean): string[] {
  const rows: string[] = [];
  for (const [org, n] of Object.entries(EVENTS)) {
    rows.push(`INSERT INTO organizations (id, name, created_at, audit_seq) VALUES ('${org}', '${org}', 0, ${n})`);
    for (let seq = 1; seq <= n; seq++) {
      // Stored out of seq order on purpose: the backfill must follow seq, not insertion.
      const i = n + 1 - seq;
      rows.push(
        `INSERT INTO audit_events (org_id, seq, id, effective_at, type, tenant, content_hash, ingested_at, body)
         VALUES ('${org}', ${i}, 'evt_${org}_${i}', ${T0 + i}, 'login.succeeded', ${ids ? 'false' : 0}, 'h${i}', ${T0 + i}, '${body(i, org)}')`,
      );
      if (ids)
        rows.push(`INSERT INTO audit_event_ids (org_id, id, effective_at, seq, content_hash) VALUES ('${org}', 'evt_${org}_${i}', ${T0 + i}, ${i}, 'h${i}')`);
    }
  }
  // Usage: records at T0+30 and T0+10 (by time: u_b, then u_a) and one cost entry, created first but
  // logged after every record.
  for (const [id, t, tokens] of [
    ['u_a', T0 + 30, 100],
    ['u_b', T0 + 10, 7],
  ] as const) {
    rows.push(
      `INSERT INTO usage_records (org_id, kind, created_at, id, model, input_tokens, num_model_requests) VALUES ('org_m', 'completions', ${t}, '${id}', 'gpt-4o', ${tokens}, 1)`,
    );
    if (ids) rows.push(`INSERT INTO usage_record_ids (org_id, kind, id, created_at) VALUES ('org_m', 'completions', '${id}', ${t})`);
  }
  rows.push(
    `INSERT INTO cost_entries (org_id, id, created_at, line_item, amount_nano, currency) VALUES ('org_m', 'ce_1', ${T0}, 'support', 5000000000, 'usd')`,
  );
  return rows;
}

/** The usage leaves' data as migration 6 writes them (docs/ledger.md), spelled out here. */
const USAGE_LEAVES = [
  `{"created_at":${T0 + 10},"id":"u_b","input_tokens":7,"kind":"completions","model":"gpt-4o","num_model_requests":1,"object":"ledger.usage_record","price_id":null}`,
  `{"created_at":${T0 + 30},"id":"u_a","input_tokens":100,"kind":"completions","model":"gpt-4o","num_model_requests":1,"object":"ledger.usage_record","price_id":null}`,
];

async function check(store: Store): Promise<void> {
  const sizes = Object.fromEntries((await store.ledger.ledgerLogStates()).map((s) => [`${s.orgId}/${s.log}`, s.size]));
  expect(sizes).toEqual({ 'org_m/audit': 5, 'org_m/usage': 3, 'org_n/audit': 2 });

  const root = (orgId: string, log: LogName, size: number) =>
    withStoredHashes(
      (indexes) => store.ledger.readLedgerHashes(orgId, log, indexes),
      (get) => treeHash(size, get),
    );
  for (const [org, n] of Object.entries(EVENTS)) {
    const leaves = Array.from({ length: n }, (_, k) => rfcLeaf(Buffer.from(body(k + 1, org))));
    expect((await root(org, 'audit', n)).toString('hex'), org).toBe(rfcRoot(leaves).toString('hex'));
  }
  const usageLeaves = await store.ledger.ledgerLeaves('org_m', 'usage', 0, 3);
  expect(usageLeaves.map((l) => l.recordId)).toEqual(['u_b', 'u_a', 'ce_1']);
  expect(usageLeaves.slice(0, 2).map((l) => l.data)).toEqual(USAGE_LEAVES);
  const logged = await store.ledger.readLedgerHashes(
    'org_m',
    'usage',
    [0, 1, 2].map((i) => storedHashIndex(0, i)),
  );
  expect(logged.get(storedHashIndex(0, 2))?.toString('hex')).toBe(rfcLeaf(Buffer.from(usageLeaves[2]?.data ?? '')).toString('hex'));

  // New writes after the upgrade extend the same trees: the next audit seq is leaf 5, the next usage leaf 3.
  await store.write(async (tx) => {
    const seq = await tx.audit.allocateAuditSeq('org_m', 1);
    expect(seq).toBe(6);
    await tx.audit.insertAuditEvents([
      {
        orgId: 'org_m',
        seq,
        id: 'evt_org_m_6',
        effectiveAt: T0 + 6,
        type: 'login.succeeded',
        tenant: false,
        projectId: null,
        actorEmail: null,
        actorIds: [],
        resourceId: null,
        contentHash: 'h6',
        body: body(6, 'org_m'),
        ingestedAt: T0 + 6,
      },
    ]);
    await tx.usage.insertUsage({ orgId: 'org_m', kind: 'completions', records: [usageRecord('u_new', T0 + 40, { model: 'gpt-4o' }, { input_tokens: 1 })] });
  });
  const all = Array.from({ length: 6 }, (_, k) => rfcLeaf(Buffer.from(body(k + 1, 'org_m'))));
  expect((await root('org_m', 'audit', 6)).toString('hex')).toBe(rfcRoot(all).toString('hex'));
  expect(await store.ledger.ledgerLeafIndex('org_m', 'usage', 'u_new')).toBe(3);

  const signer = noteSigner('orgledger.local', generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
  const ledger = new LedgerService(store, signer, 'orgledger.local', systemClock);
  expect(await ledger.checkpointNow()).toBe(3);
  const proof = await ledger.inclusion('org_m', 'audit', 'evt_org_m_2');
  expect(proof).toMatchObject({ leaf_index: 1, tree_size: 6 });
  const verified = await verifyLedger(store.ledger, signer.verifierKey);
  expect(verified.problems).toEqual([]);
  expect(verified).toMatchObject({ logs: 3, leaves: 6 + 4 + 2, checkpoints: 3 });
}

describe('a store written at version 4 upgraded by the current code gets its ledger', () => {
  it('sqlite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'orgledger-m6from4-'));
    const path = join(dir, 's.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of sqliteMigrations.filter((m) => V4(m.version))) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
    }
    for (const sql of oldRows(false)) db.exec(sql);
    db.close();
    const store = await openTestStore({ databaseUrl: path, sqliteSynchronous: 'NORMAL', maxBatchJobs: 100 });
    try {
      await check(store);
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
      for (const m of postgresMigrations.filter((m) => V4(m.version))) {
        await pool.query(m.sql);
        await pool.query('INSERT INTO schema_migrations VALUES ($1, $2, 0)', [m.version, m.name]);
      }
      for (const sql of oldRows(true)) await pool.query(sql);
    } finally {
      await pool.end();
    }
    const store = await openTestStore({ databaseUrl: db.url, pgPoolSize: 2, maxBatchJobs: 100 });
    try {
      await check(store);
    } finally {
      await store.close();
      await db.drop();
    }
  });

  if (!PG_TEST_URL) it.skip(PG_SKIP_MESSAGE, () => undefined);
});
