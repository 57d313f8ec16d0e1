/**
 * The store contract: ONE suite, run over every engine (engines.ts). What services rely on the store
 * for: organizations, admin keys, audit events (idempotency, dense sequence numbers, every list filter
 * in both directions), atomic group-committed writes, and several stores writing one database at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/features/audit-logs/event-validation.js';
import { appendAuditEvents } from '../../src/features/audit-logs/service.js';
import type { AuditListQuery, StoredAuditEvent } from '../../src/features/audit-logs/types.js';
import type { CostEntry, CostSegmentQuery } from '../../src/features/costs/types.js';
import { KeyService } from '../../src/features/keys/service.js';
import type { AdminKeyRecord } from '../../src/features/keys/types.js';
import { type Dimension, usageKind } from '../../src/features/usage/kinds.js';
import type { DimValue, UnpricedUsage, UsageSource } from '../../src/features/usage/types.js';
import { systemClock } from '../../src/lib/clock.js';
import { ApiError } from '../../src/lib/errors.js';
import { projectModelCubeSql } from '../../src/store/rollup-backfill.js';
import type { Store } from '../../src/store/store.js';
import { engines, type OpenedStore } from './engines.js';
import { costEntry, DAY, expectedSums, HOUR, sortCosts, T0, usageRecord, usageRows } from './usage-fixtures.js';

/** What lists read back of a written event: the row without its write-only parts. */
const listed = ({ actorIds: _ids, ingestedBy: _by, requestId: _req, ...rest }: StoredAuditEvent) => rest;

let counter = 0;
const uniqueId = (prefix: string) => `${prefix}${++counter}_${Math.random().toString(36).slice(2, 8)}`;

async function newOrg(store: Store, createdAt = 1_700_000_000): Promise<string> {
  const id = uniqueId('org-c');
  await store.write((tx) => tx.keys.insertOrganization({ id, name: `name of ${id}`, createdAt }));
  return id;
}

function keyRecord(orgId: string, over: Partial<AdminKeyRecord> = {}): AdminKeyRecord {
  const id = over.id ?? uniqueId('key_');
  return {
    orgId,
    id,
    name: `key ${id}`,
    secretHash: uniqueId('hash_'),
    redactedValue: 'sk-admin-ab...yz',
    createdAt: 1_700_000_000,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    scopes: ['audit_logs.read'],
    owner: { type: 'user', object: 'organization.user', id: 'user_1', name: 'Ada', created_at: 1_600_000_000, role: 'owner', email: 'ada@example.com' },
    ...over,
  };
}

type EventSpec = Partial<Omit<StoredAuditEvent, 'orgId' | 'seq'>> & { effectiveAt: number };

/** Appends rows as the audit service does: allocate dense seqs, insert, in one write. */
async function appendRows(store: Store, orgId: string, specs: EventSpec[]): Promise<StoredAuditEvent[]> {
  return store.write(async (tx) => {
    const first = await tx.audit.allocateAuditSeq(orgId, specs.length);
    const rows = specs.map((s, i): StoredAuditEvent => {
      const id = s.id ?? uniqueId('audit_log-');
      return {
        orgId,
        seq: first + i,
        id,
        type: 'project.created',
        tenant: false,
        projectId: null,
        actorEmail: null,
        actorIds: [],
        resourceId: null,
        contentHash: `hash-${id}`,
        body: JSON.stringify({ id, effective_at: s.effectiveAt }),
        ingestedAt: 1_800_000_000,
        ...s,
      };
    });
    await tx.audit.insertAuditEvents(rows);
    return rows;
  });
}

const projectCreated = (id: string | undefined, effectiveAt: number, name = 'p') =>
  validateEvent(
    { ...(id ? { id } : {}), type: 'project.created', effective_at: effectiveAt, 'project.created': { id: 'proj_1', data: { name } } },
    'event',
    1_800_000_000,
  );

const seqsOf = async (store: Store, orgId: string) =>
  (await store.audit.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 100_000 })).map((e) => e.seq);

for (const engine of engines) {
  if (engine.skip) {
    console.log(`store contract on ${engine.name}: ${engine.skip}`);
    describe.skip(`store contract: ${engine.name} (${engine.skip})`, () => {
      it('is skipped', () => undefined);
    });
    continue;
  }

  describe(`store contract: ${engine.name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    beforeAll(async () => {
      opened = await engine.open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.close();
    });

    it('reports its engine', () => {
      expect(store.engine).toBe(engine.name);
    });

    describe('organizations', () => {
      it('inserts, reads inside and outside the write, and lists by creation then id', async () => {
        const before = await store.keys.listOrganizations();
        const ids = ['org-c-b', 'org-c-a', 'org-c-c'];
        const seenInside = await store.write(async (tx) => {
          await tx.keys.insertOrganization({ id: ids[0] as string, name: 'B', createdAt: 5 });
          await tx.keys.insertOrganization({ id: ids[1] as string, name: 'A', createdAt: 5 });
          await tx.keys.insertOrganization({ id: ids[2] as string, name: 'C', createdAt: 4 });
          return tx.keys.getOrganization('org-c-a');
        });
        expect(seenInside).toEqual({ id: 'org-c-a', name: 'A', createdAt: 5 });
        expect(await store.keys.getOrganization('org-c-b')).toEqual({ id: 'org-c-b', name: 'B', createdAt: 5 });
        expect(await store.keys.getOrganization('org-missing')).toBeNull();
        const listed = (await store.keys.listOrganizations()).filter((o) => !before.some((b) => b.id === o.id)).map((o) => o.id);
        expect(listed).toEqual(['org-c-c', 'org-c-a', 'org-c-b']);
      });

      it('rejects a duplicate id and leaves the first untouched', async () => {
        const id = await newOrg(store, 42);
        await expect(store.write((tx) => tx.keys.insertOrganization({ id, name: 'again', createdAt: 43 }))).rejects.toThrow();
        expect(await store.keys.getOrganization(id)).toMatchObject({ name: `name of ${id}`, createdAt: 42 });
      });
    });

    describe('admin keys', () => {
      it('inserts, finds by secret hash and by id, and round-trips every field', async () => {
        const orgId = await newOrg(store);
        const key = keyRecord(orgId, { expiresAt: 1_900_000_000, scopes: ['audit_logs.read', 'usage.write'] });
        await store.write((tx) => tx.keys.insertAdminKey(key));
        expect(await store.keys.findAdminKeyByHash(key.secretHash)).toEqual(key);
        expect(await store.keys.getAdminKey(orgId, key.id)).toEqual(key);
        expect(await store.keys.getAdminKey('org-other', key.id)).toBeNull();
        expect(await store.write((tx) => tx.keys.findAdminKeyByHash(key.secretHash))).toEqual(key);
        expect(await store.keys.findAdminKeyByHash('no-such-hash')).toBeNull();
      });

      it('rejects a second key with the same secret hash', async () => {
        const orgId = await newOrg(store);
        const key = keyRecord(orgId);
        await store.write((tx) => tx.keys.insertAdminKey(key));
        await expect(store.write((tx) => tx.keys.insertAdminKey(keyRecord(orgId, { secretHash: key.secretHash })))).rejects.toThrow();
      });

      it('revokes once, hides revoked keys from get and list, and counts only working keys', async () => {
        const orgId = await newOrg(store);
        const live = keyRecord(orgId);
        const expired = keyRecord(orgId, { expiresAt: 1_000 });
        const doomed = keyRecord(orgId);
        await store.write(async (tx) => {
          for (const k of [live, expired, doomed]) await tx.keys.insertAdminKey(k);
        });
        expect(await store.write((tx) => tx.keys.countActiveAdminKeys(orgId, 2_000))).toBe(2);
        expect(await store.write((tx) => tx.keys.revokeAdminKey(orgId, doomed.id, 1_700_000_100))).toBe(true);
        expect(await store.write((tx) => tx.keys.revokeAdminKey(orgId, doomed.id, 1_700_000_200))).toBe(false);
        expect(await store.write((tx) => tx.keys.revokeAdminKey('org-other', live.id, 1_700_000_200))).toBe(false);
        expect(await store.keys.getAdminKey(orgId, doomed.id)).toBeNull();
        expect((await store.keys.findAdminKeyByHash(doomed.secretHash))?.revokedAt).toBe(1_700_000_100);
        expect(await store.write((tx) => tx.keys.countActiveAdminKeys(orgId, 2_000))).toBe(1);
        const listed = await store.keys.listAdminKeys({ orgId, order: 'asc', fetch: 10 });
        expect(listed.map((k) => k.id).sort()).toEqual([live.id, expired.id].sort());
      });

      it('lists by (created_at, id) in both orders with cursors', async () => {
        const orgId = await newOrg(store);
        const keys = [
          keyRecord(orgId, { id: 'key_b', createdAt: 20 }),
          keyRecord(orgId, { id: 'key_a', createdAt: 20 }),
          keyRecord(orgId, { id: 'key_z', createdAt: 10 }),
          keyRecord(orgId, { id: 'key_B', createdAt: 20 }),
          keyRecord(orgId, { id: 'key_c', createdAt: 30 }),
        ];
        await store.write(async (tx) => {
          for (const k of keys) await tx.keys.insertAdminKey(k);
        });
        const ids = async (q: Parameters<Store['keys']['listAdminKeys']>[0]) => (await store.keys.listAdminKeys(q)).map((k) => k.id);
        // Byte order: 'key_B' < 'key_a' < 'key_b'.
        expect(await ids({ orgId, order: 'asc', fetch: 10 })).toEqual(['key_z', 'key_B', 'key_a', 'key_b', 'key_c']);
        expect(await ids({ orgId, order: 'desc', fetch: 10 })).toEqual(['key_c', 'key_b', 'key_a', 'key_B', 'key_z']);
        expect(await ids({ orgId, order: 'asc', fetch: 2, after: { createdAt: 20, id: 'key_B' } })).toEqual(['key_a', 'key_b']);
        expect(await ids({ orgId, order: 'desc', fetch: 10, after: { createdAt: 20, id: 'key_a' } })).toEqual(['key_B', 'key_z']);
        expect(await ids({ orgId: 'org-other', order: 'asc', fetch: 10 })).toEqual([]);
      });

      it('records last use, never moving it backwards', async () => {
        const orgId = await newOrg(store);
        const a = keyRecord(orgId);
        const b = keyRecord(orgId);
        await store.write(async (tx) => {
          await tx.keys.insertAdminKey(a);
          await tx.keys.insertAdminKey(b);
        });
        await store.write((tx) =>
          tx.keys.touchAdminKeys([
            { orgId, id: a.id, at: 100 },
            { orgId, id: a.id, at: 300 },
            { orgId, id: b.id, at: 200 },
          ]),
        );
        await store.write((tx) => tx.keys.touchAdminKeys([{ orgId, id: a.id, at: 250 }]));
        expect((await store.keys.getAdminKey(orgId, a.id))?.lastUsedAt).toBe(300);
        expect((await store.keys.getAdminKey(orgId, b.id))?.lastUsedAt).toBe(200);
      });
    });

    describe('audit events', () => {
      it('allocates dense sequence numbers per organization, rolled back with a failed write', async () => {
        const orgA = await newOrg(store);
        const orgB = await newOrg(store);
        expect(await store.write((tx) => tx.audit.allocateAuditSeq(orgA, 3))).toBe(1);
        expect(await store.write((tx) => tx.audit.allocateAuditSeq(orgB, 1))).toBe(1);
        await expect(
          store.write(async (tx) => {
            await tx.audit.allocateAuditSeq(orgA, 5);
            throw new Error('the write fails after allocating');
          }),
        ).rejects.toThrow('the write fails after allocating');
        expect(await store.write((tx) => tx.audit.allocateAuditSeq(orgA, 2))).toBe(4);
        await expect(store.write((tx) => tx.audit.allocateAuditSeq('org-missing', 1))).rejects.toThrow();
      });

      it('finds stored hashes and positions by id, only in the same organization', async () => {
        const orgId = await newOrg(store);
        const [e1, e2] = await appendRows(store, orgId, [
          { id: 'evt_one', effectiveAt: 1_700_000_000, contentHash: 'h1' },
          { id: 'evt_two', effectiveAt: 1_600_000_000, contentHash: 'h2' },
        ]);
        const found = await store.write((tx) => tx.audit.findAuditEventHashes(orgId, ['evt_one', 'evt_two', 'evt_none']));
        expect(Object.fromEntries(found)).toEqual({
          evt_one: { contentHash: 'h1', effectiveAt: 1_700_000_000, seq: e1?.seq },
          evt_two: { contentHash: 'h2', effectiveAt: 1_600_000_000, seq: e2?.seq },
        });
        expect((await store.write((tx) => tx.audit.findAuditEventHashes('org-other', ['evt_one']))).size).toBe(0);
        expect((await store.write((tx) => tx.audit.findAuditEventHashes(orgId, []))).size).toBe(0);
        expect(await store.audit.findAuditPosition(orgId, 'evt_two')).toEqual({ effectiveAt: 1_600_000_000, seq: e2?.seq });
        expect(await store.audit.findAuditPosition(orgId, 'evt_one')).toEqual({ effectiveAt: 1_700_000_000, seq: e1?.seq });
        expect(await store.audit.findAuditPosition('org-other', 'evt_one')).toBeNull();
      });

      it('finds the provenance of events by id: the ingesting key and request, or null for events no key ingested; tenant events too', async () => {
        const orgId = await newOrg(store);
        const other = await newOrg(store);
        await appendRows(store, orgId, [
          { id: 'evt_ingested', effectiveAt: 1_700_000_000, ingestedAt: 1_800_000_001, ingestedBy: 'key_writer', requestId: 'req_1' },
          { id: 'evt_own', effectiveAt: 1_600_000_000, ingestedAt: 1_800_000_002 },
          { id: 'evt_tenant', effectiveAt: 1_650_000_000, tenant: true, ingestedAt: 1_800_000_003, ingestedBy: 'key_writer', requestId: 'req_2' },
        ]);
        await appendRows(store, other, [{ id: 'evt_foreign', effectiveAt: 1_700_000_000, ingestedBy: 'key_theirs', requestId: 'req_3' }]);
        const found = await store.audit.findAuditProvenance(orgId, ['evt_ingested', 'evt_own', 'evt_tenant', 'evt_foreign', 'evt_none']);
        expect(Object.fromEntries(found)).toEqual({
          evt_ingested: { ingestedAt: 1_800_000_001, ingestedBy: 'key_writer', requestId: 'req_1' },
          evt_own: { ingestedAt: 1_800_000_002, ingestedBy: null, requestId: null },
          evt_tenant: { ingestedAt: 1_800_000_003, ingestedBy: 'key_writer', requestId: 'req_2' },
        });
        expect((await store.audit.findAuditProvenance(orgId, [])).size).toBe(0);
        expect((await store.audit.findAuditProvenance(other, ['evt_foreign'])).get('evt_foreign')?.ingestedBy).toBe('key_theirs');
      });

      it('appends idempotently by client id: same content once, other content a 409 that rolls the write back', async () => {
        const orgId = await newOrg(store);
        const first = await store.write((tx) => appendAuditEvents(tx, orgId, [projectCreated('evt_idem', 1_700_000_000)], systemClock));
        const again = await store.write((tx) =>
          appendAuditEvents(tx, orgId, [projectCreated('evt_idem', 1_700_000_000), projectCreated('evt_idem', 1_700_000_000)], systemClock),
        );
        expect(again).toEqual([first[0], first[0]]);
        const conflict = store.write((tx) =>
          appendAuditEvents(tx, orgId, [projectCreated(undefined, 1_700_000_001), projectCreated('evt_idem', 1_700_000_000, 'other')], systemClock),
        );
        await expect(conflict).rejects.toBeInstanceOf(ApiError);
        await expect(conflict).rejects.toMatchObject({ status: 409 });
        expect(await seqsOf(store, orgId)).toEqual([1]);
      });

      it('round-trips text with tabs, newlines, backslashes, quotes and non-ASCII in every column', async () => {
        const orgId = await newOrg(store);
        const awkward = 'a\tb\nc\r\\N\\d "q" \'s\' é 日本 🚀';
        const [row] = await appendRows(store, orgId, [
          {
            id: `audit_log-${awkward}`,
            effectiveAt: 1_750_000_000,
            projectId: `proj ${awkward}`,
            actorEmail: `${awkward}@example.com`,
            actorIds: [`user:${awkward}`],
            resourceId: `res ${awkward}`,
            body: JSON.stringify({ note: awkward, raw: '\\' }),
          },
        ]);
        const got = await store.audit.listAuditEvents({
          orgId,
          tenantOnly: false,
          effectiveAt: {},
          direction: 'desc',
          fetch: 5,
          actorIds: [`user:${awkward}`],
        });
        expect(got).toEqual([listed(row as StoredAuditEvent)]);
        expect(await store.audit.findAuditPosition(orgId, `audit_log-${awkward}`)).not.toBeNull();
      });

      it('stores events of any month, far past and far future included', async () => {
        const orgId = await newOrg(store);
        const times = [0, 946_684_800, 1_580_000_000, 1_700_000_000, 1_800_000_000, 2_000_000_000, 4_102_444_800, 253_402_300_799];
        await appendRows(
          store,
          orgId,
          times.map((t) => ({ effectiveAt: t })),
        );
        const listed = await store.audit.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'desc', fetch: 100 });
        expect(listed.map((e) => e.effectiveAt)).toEqual([...times].reverse());
      });

      describe('list filters, both directions, cursors', () => {
        let orgId: string;
        let rows: StoredAuditEvent[];
        beforeAll(async () => {
          orgId = await newOrg(store);
          const other = await newOrg(store);
          const t = 1_700_000_000;
          rows = await appendRows(store, orgId, [
            {
              effectiveAt: t,
              type: 'project.created',
              projectId: 'proj_a',
              actorEmail: 'ada@example.com',
              actorIds: ['user_ada', 'key_1'],
              resourceId: 'proj_a',
            },
            { effectiveAt: t + 10, type: 'project.updated', projectId: 'proj_b', actorEmail: 'bob@example.com', actorIds: ['user_bob'], resourceId: 'proj_b' },
            { effectiveAt: t + 10, type: 'api_key.created', projectId: null, actorIds: ['svc_1', 'key_2'], resourceId: 'key_9' },
            { effectiveAt: t + 10, type: 'project.created', projectId: 'proj_a', actorEmail: 'ada@example.com', actorIds: ['user_ada'], resourceId: 'proj_a' },
            { effectiveAt: t - 86_400 * 40, type: 'login.succeeded', actorEmail: 'bob@example.com', actorIds: ['user_bob'] },
            { effectiveAt: t + 86_400 * 40, type: 'project.archived', projectId: 'proj_b', resourceId: 'proj_b' },
            { effectiveAt: t + 5, type: 'tenant.thing', tenant: true, projectId: 'proj_a', actorIds: ['user_ada'] },
            { effectiveAt: t + 20, type: 'tenant.thing', tenant: true, projectId: 'proj_b' },
            { effectiveAt: t + 20, type: 'project.created', projectId: 'proj_c', actorEmail: 'cy@example.com', actorIds: ['user_cy', 'user_cy'] },
          ]);
          await appendRows(store, other, [{ effectiveAt: t, type: 'project.created', projectId: 'proj_a', actorIds: ['user_ada'] }]);
        });

        /** The reference semantics every engine must match. */
        function expected(q: AuditListQuery): string[] {
          const r = q.effectiveAt;
          const key = (e: StoredAuditEvent) => [e.effectiveAt, e.seq] as const;
          const cmp = (a: readonly number[], b: readonly number[]) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number);
          const matched = rows.filter(
            (e) =>
              e.orgId === q.orgId &&
              e.tenant === q.tenantOnly &&
              (!q.types || q.types.includes(e.type)) &&
              (!q.projectIds || (e.projectId !== null && q.projectIds.includes(e.projectId))) &&
              (!q.actorEmails || (e.actorEmail !== null && q.actorEmails.includes(e.actorEmail))) &&
              (!q.resourceIds || (e.resourceId !== null && q.resourceIds.includes(e.resourceId))) &&
              (!q.actorIds || e.actorIds.some((a) => q.actorIds?.includes(a))) &&
              (r.gt === undefined || e.effectiveAt > r.gt) &&
              (r.gte === undefined || e.effectiveAt >= r.gte) &&
              (r.lt === undefined || e.effectiveAt < r.lt) &&
              (r.lte === undefined || e.effectiveAt <= r.lte) &&
              (!q.olderThan || cmp(key(e), [q.olderThan.effectiveAt, q.olderThan.seq]) < 0) &&
              (!q.newerThan || cmp(key(e), [q.newerThan.effectiveAt, q.newerThan.seq]) > 0),
          );
          matched.sort((a, b) => cmp(key(a), key(b)) * (q.direction === 'desc' ? -1 : 1));
          return matched.slice(0, q.fetch).map((e) => e.id);
        }

        const t = 1_700_000_000;
        const cases: [string, Partial<AuditListQuery>][] = [
          ['everything, newest first', {}],
          ['everything, oldest first', { direction: 'asc' }],
          ['a page of three', { fetch: 3 }],
          ['types', { types: ['project.created', 'api_key.created'] }],
          ['project ids', { projectIds: ['proj_a', 'proj_c'] }],
          ['actor emails', { actorEmails: ['bob@example.com'] }],
          ['resource ids', { resourceIds: ['proj_b', 'key_9'] }],
          ['actor ids (user, key, service account)', { actorIds: ['user_ada', 'key_2'] }],
          ['actor id listed twice on one event', { actorIds: ['user_cy'] }],
          ['tenant only', { tenantOnly: true }],
          ['tenant only with project', { tenantOnly: true, projectIds: ['proj_b'] }],
          ['gte and lt', { effectiveAt: { gte: t, lt: t + 20 } }],
          ['gt and lte', { effectiveAt: { gt: t, lte: t + 20 } }],
          ['older than a tie', { olderThan: { effectiveAt: t + 10, seq: 3 } }],
          ['newer than a tie, oldest first', { newerThan: { effectiveAt: t + 10, seq: 2 }, direction: 'asc' }],
          ['between two cursors', { olderThan: { effectiveAt: t + 20, seq: 9 }, newerThan: { effectiveAt: t, seq: 1 } }],
          ['combined filters', { types: ['project.created'], projectIds: ['proj_a'], actorIds: ['user_ada'], effectiveAt: { gte: t } }],
          ['nothing matches', { types: ['no.such.type'] }],
          ['another organization only sees its own', { orgId: 'use-other' }],
        ];
        for (const [name, over] of cases) {
          it(name, async () => {
            const q: AuditListQuery = { orgId, tenantOnly: false, effectiveAt: {}, direction: 'desc', fetch: 100, ...over };
            if (over.orgId === 'use-other') q.orgId = uniqueId('org-none');
            const got = await store.audit.listAuditEvents(q);
            expect(got.map((e) => e.id)).toEqual(expected(q));
            if (name === 'everything, newest first') expect(got.length).toBe(7);
          });
        }

        it('returns stored rows as written', async () => {
          const got = await store.audit.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 1 });
          const first = rows[4] as StoredAuditEvent;
          expect(got).toEqual([listed(first)]);
        });
      });
    });

    describe('group commit', () => {
      it('commits concurrent writes with dense seqs; a failing write rolls back alone', async () => {
        const orgId = await newOrg(store);
        const writes = Array.from({ length: 60 }, (_, i) =>
          i === 17
            ? store.write(async (tx) => {
                await tx.audit.allocateAuditSeq(orgId, 3);
                throw new Error('one bad write');
              })
            : appendRows(
                store,
                orgId,
                Array.from({ length: 1 + (i % 4) }, (_, j) => ({ effectiveAt: 1_700_000_000 + i * 10 + j })),
              ),
        );
        const settled = await Promise.allSettled(writes);
        expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
        const acknowledged = settled.flatMap((s) => (s.status === 'fulfilled' ? (s.value as StoredAuditEvent[]) : []));
        const seqs = await seqsOf(store, orgId);
        expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: acknowledged.length }, (_, i) => i + 1));
        const listed = await store.audit.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 1000 });
        expect(listed.map((e) => e.id).sort()).toEqual(acknowledged.map((e) => e.id).sort());
      });
    });

    describe('usage and costs', () => {
      const completions = (prefix: string) => [
        usageRecord(
          `${prefix}1`,
          T0 + 10,
          { project_id: 'proj_a', user_id: 'user_1', model: 'gpt-4o', batch: false },
          { input_tokens: 100, output_tokens: 10, num_model_requests: 1 },
        ),
        usageRecord(
          `${prefix}2`,
          T0 + 20,
          { project_id: 'proj_a', user_id: null, model: 'gpt-4o', batch: true },
          { input_tokens: 200, output_tokens: 20, num_model_requests: 1 },
        ),
        usageRecord(
          `${prefix}3`,
          T0 + HOUR + 5,
          { project_id: 'proj_b', api_key_id: 'key_1', model: 'gpt-4o-mini', batch: null },
          { input_tokens: 300, num_model_requests: 2 },
        ),
        usageRecord(
          `${prefix}4`,
          T0 + DAY + 7,
          { project_id: 'proj_a', user_id: 'user_2', model: 'gpt-4o', batch: false, service_tier: 'flex' },
          { input_tokens: 400, output_tokens: 40, num_model_requests: 1 },
        ),
        usageRecord(
          `${prefix}5`,
          T0 + DAY + 2 * HOUR,
          { project_id: null, model: 'o3', batch: true },
          { input_tokens: 500, output_tokens: 50, num_model_requests: 3 },
        ),
      ];
      const measures = usageKind('completions').measures;

      it('inserts each record once: a replay inserts nothing and counts nothing twice', async () => {
        const orgId = await newOrg(store);
        const records = completions('u_once_');
        const first = await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records }));
        expect(first).toEqual(records.map((r) => r.id));
        const extra = usageRecord('u_once_6', T0 + 30, { project_id: 'proj_a', model: 'gpt-4o', batch: false }, { input_tokens: 1, num_model_requests: 1 });
        const again = await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records: [...records, extra, extra] }));
        expect(again).toEqual([extra.id]);
        const hashes = await store.write((tx) => tx.usage.findUsageHashes(orgId, 'completions', ['u_once_1', 'u_once_6', 'u_missing']));
        expect(Object.fromEntries(hashes)).toEqual({
          u_once_1: { contentHash: 'hash-u_once_1', createdAt: T0 + 10 },
          u_once_6: { contentHash: 'hash-u_once_6', createdAt: T0 + 30 },
        });
        expect((await store.write((tx) => tx.usage.findUsageHashes(orgId, 'embeddings', ['u_once_1']))).size).toBe(0);
        const all = [...records, extra];
        for (const source of ['raw', '1h', '1d'] as const) {
          expect(await usageRows(store, { orgId, kind: 'completions', source, groupBy: ['project_id', 'batch'] }), source).toEqual(
            expectedSums(all, { from: T0, to: T0 + 2 * DAY, width: DAY, groupBy: ['project_id', 'batch'], measures }),
          );
        }
      });

      it('answers every source, grid, group and filter alike (raw, hourly and daily rollups)', async () => {
        const orgId = await newOrg(store);
        const records = completions('u_grid_');
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records: records.slice(0, 2) }));
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records: records.slice(2) }));
        const cases: { groupBy: Dimension[]; filters?: Partial<Record<Dimension, DimValue[]>>; sources: UsageSource[]; width: number }[] = [
          { groupBy: [], sources: ['raw', '1h', '1d'], width: DAY },
          { groupBy: ['model', 'user_id', 'api_key_id', 'service_tier'], sources: ['raw', '1h', '1d'], width: DAY },
          { groupBy: ['project_id'], filters: { batch: [true] }, sources: ['raw', '1h', '1d'], width: DAY },
          { groupBy: ['batch'], filters: { project_id: ['proj_a', 'proj_b'], model: ['gpt-4o'] }, sources: ['raw', '1h'], width: HOUR },
          { groupBy: ['model'], filters: { user_id: [] }, sources: ['raw', '1h', '1d'], width: DAY },
          { groupBy: ['project_id', 'model'], sources: ['raw', '1h', '1d'], width: DAY },
          { groupBy: ['model'], filters: { project_id: ['proj_a'] }, sources: ['raw', '1h', '1d'], width: HOUR },
        ];
        for (const c of cases) {
          const expected = expectedSums(records, { from: T0, to: T0 + 2 * DAY, width: c.width, groupBy: c.groupBy, measures, filters: c.filters });
          for (const source of c.sources) {
            const got = await usageRows(store, { orgId, kind: 'completions', source, width: c.width, groupBy: c.groupBy, filters: c.filters });
            expect(got, `${source} ${JSON.stringify(c)}`).toEqual(expected);
          }
        }
        // Another organization sees nothing of it.
        expect(await usageRows(store, { orgId: await newOrg(store), kind: 'completions', source: 'raw' })).toEqual([]);
      });

      it('migration 3 fills the project+model cube of older rollups exactly as ingest maintains it', async () => {
        const orgId = await newOrg(store);
        const records = completions('u_cube3_');
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records }));
        const cube3 = `SELECT * FROM usage_rollups WHERE org_id = '${orgId}' AND kind = 'completions' AND cube = 3 ORDER BY grain, bucket, project_id, model`;
        const maintained = await opened.sql(cube3);
        expect(maintained.length).toBeGreaterThan(0);
        // A store written before migration 3 had no cube 3: remove it, then run the migration's backfill.
        await opened.sql('DELETE FROM usage_rollups WHERE cube = 3');
        await opened.sql(projectModelCubeSql());
        expect(await opened.sql(cube3)).toEqual(maintained);
        expect(await usageRows(store, { orgId, kind: 'completions', source: '1d', groupBy: ['project_id', 'model'] })).toEqual(
          expectedSums(records, { from: T0, to: T0 + 2 * DAY, width: DAY, groupBy: ['project_id', 'model'], measures }),
        );
      });

      it('keeps vector_stores usage_bytes as a level: the latest sample wins, equal times keep the larger, never summed', async () => {
        const orgId = await newOrg(store);
        const vs = (id: string, at: number, project: string, bytes: number) => usageRecord(id, at, { project_id: project }, { usage_bytes: bytes });
        await store.write((tx) =>
          tx.usage.insertUsage({ orgId, kind: 'vector_stores', records: [vs('vs1', T0 + 100, 'proj_a', 500), vs('vs2', T0 + 10, 'proj_b', 5)] }),
        );
        // Older, then as old with more bytes, then the next hour: written out of order, in separate batches.
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'vector_stores', records: [vs('vs3', T0 + 50, 'proj_a', 900)] }));
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'vector_stores', records: [vs('vs4', T0 + HOUR + 100, 'proj_a', 300)] }));
        await store.write((tx) =>
          tx.usage.insertUsage({ orgId, kind: 'vector_stores', records: [vs('vs5', T0 + 100, 'proj_a', 700), vs('vs6', T0 + 100, 'proj_a', 600)] }),
        );
        const hourly = [
          { bucketStart: T0, dims: { project_id: 'proj_a' }, measures: { usage_bytes: 700 }, latestAt: T0 + 100 },
          { bucketStart: T0, dims: { project_id: 'proj_b' }, measures: { usage_bytes: 5 }, latestAt: T0 + 10 },
          { bucketStart: T0 + HOUR, dims: { project_id: 'proj_a' }, measures: { usage_bytes: 300 }, latestAt: T0 + HOUR + 100 },
        ];
        for (const source of ['raw', '1h'] as const) {
          expect(await usageRows(store, { orgId, kind: 'vector_stores', source, width: HOUR, to: T0 + DAY }), source).toEqual(hourly);
        }
        const daily = [
          { bucketStart: T0, dims: { project_id: 'proj_a' }, measures: { usage_bytes: 300 }, latestAt: T0 + HOUR + 100 },
          { bucketStart: T0, dims: { project_id: 'proj_b' }, measures: { usage_bytes: 5 }, latestAt: T0 + 10 },
        ];
        for (const source of ['raw', '1h', '1d'] as const) {
          expect(await usageRows(store, { orgId, kind: 'vector_stores', source, width: DAY }), source).toEqual(daily);
        }
      });

      it('stores records of any month: months without a partition yet, and times far in the past', async () => {
        const orgId = await newOrg(store);
        const now = Math.floor(Date.now() / 1000);
        const times = [now - 400 * DAY, now - 40 * DAY, now + 200 * DAY, 631_152_000 /* 1990 */];
        const records = times.map((t, i) => usageRecord(`u_month_${i}`, t, { project_id: 'proj_a' }, { images: i + 1, num_model_requests: 1 }));
        expect(await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'images', records }))).toEqual(records.map((r) => r.id));
        expect(await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'images', records }))).toEqual([]);
        for (const [i, t] of times.entries()) {
          const from = t - (t % DAY);
          for (const source of ['raw', '1d'] as const) {
            expect(await usageRows(store, { orgId, kind: 'images', source, from, to: from + DAY }), `${source} ${t}`).toEqual([
              { bucketStart: from, dims: {}, measures: { images: i + 1, num_model_requests: 1 } },
            ]);
          }
        }
      });

      it('rolls cost line items of new records and new cost entries up per day, once', async () => {
        const orgId = await newOrg(store);
        const line = (lineItem: string, amountNano: number, quantity: number, priceId = 'gpt-4o@2025-01-01') => ({
          lineItem,
          amountNano,
          quantity,
          quantityUnit: 'tokens',
          priceId,
        });
        const records = [
          usageRecord('c_u1', T0 + 10, { project_id: 'proj_a', api_key_id: 'key_1', model: 'gpt-4o' }, { input_tokens: 1000 }, [
            line('gpt-4o, input', 2_500_000, 1000),
            line('gpt-4o, output', 1_000_000, 100),
          ]),
          usageRecord('c_u2', T0 + HOUR, { project_id: 'proj_a', model: 'gpt-4o' }, { input_tokens: 2000 }, [line('gpt-4o, input', 5_000_000, 2000)]),
          usageRecord('c_u3', T0 + DAY + 1, { project_id: null, model: 'gpt-4o' }, { input_tokens: 4000 }, [line('gpt-4o, input', 10_000_000, 4000)]),
        ];
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records }));
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records })); // replay: no new lines
        const entries = [costEntry('ce_1', T0 + 500), costEntry('ce_2', T0 + DAY + 500, { projectId: null, quantityUnit: null, quantity: null })];
        expect(await store.write((tx) => tx.costs.insertCostEntries(orgId, entries))).toEqual(['ce_1', 'ce_2']);
        expect(await store.write((tx) => tx.costs.insertCostEntries(orgId, [...entries, entries[0] as CostEntry]))).toEqual([]);
        const hashes = await store.write((tx) => tx.costs.findCostEntryHashes(orgId, ['ce_1', 'ce_x']));
        expect(Object.fromEntries(hashes)).toEqual({ ce_1: { contentHash: 'hash-ce_1', createdAt: T0 + 500 } });

        const costs = async (groupBy: CostSegmentQuery['groupBy'], filters: CostSegmentQuery['filters'] = {}) =>
          sortCosts(await store.costs.queryCosts({ orgId, source: '1d', from: T0, to: T0 + 2 * DAY, origin: T0, width: DAY, groupBy, filters }));
        expect(await costs([])).toEqual([
          { bucketStart: T0, amountNano: 2_500_000 + 1_000_000 + 5_000_000 + 2_000_000_000, quantity: 1000 + 100 + 2000 + 2, quantityUnit: null },
          { bucketStart: T0 + DAY, amountNano: 10_000_000 + 2_000_000_000, quantity: 4000, quantityUnit: null }, // tokens and no unit mix
        ]);
        expect(await costs(['line_item'])).toEqual([
          { bucketStart: T0, lineItem: 'gpt-4o, input', amountNano: 7_500_000, quantity: 3000, quantityUnit: 'tokens' },
          { bucketStart: T0, lineItem: 'gpt-4o, output', amountNano: 1_000_000, quantity: 100, quantityUnit: 'tokens' },
          { bucketStart: T0, lineItem: 'support, seats', amountNano: 2_000_000_000, quantity: 2, quantityUnit: 'seats' },
          { bucketStart: T0 + DAY, lineItem: 'gpt-4o, input', amountNano: 10_000_000, quantity: 4000, quantityUnit: 'tokens' },
          { bucketStart: T0 + DAY, lineItem: 'support, seats', amountNano: 2_000_000_000, quantity: 0, quantityUnit: null },
        ]);
        expect(await costs(['project_id', 'api_key_id'], { line_item: ['gpt-4o, input'] })).toEqual([
          { bucketStart: T0, projectId: 'proj_a', apiKeyId: 'key_1', amountNano: 2_500_000, quantity: 1000, quantityUnit: 'tokens' },
          { bucketStart: T0, projectId: 'proj_a', apiKeyId: null, amountNano: 5_000_000, quantity: 2000, quantityUnit: 'tokens' },
          { bucketStart: T0 + DAY, projectId: null, apiKeyId: null, amountNano: 10_000_000, quantity: 4000, quantityUnit: 'tokens' },
        ]);
        expect(await costs(['project_id'], { project_id: ['proj_a'] })).toEqual([
          { bucketStart: T0, projectId: 'proj_a', amountNano: 2_008_500_000, quantity: 3102, quantityUnit: null },
        ]);
      });

      it('groups by api_source (unlabeled where a record did not say) and sums the cache-write 12h/30m measures, from every source', async () => {
        const orgId = await newOrg(store);
        const rec = (id: string, at: number, apiSource: DimValue, h12: number, user: string) =>
          usageRecord(
            id,
            at,
            { project_id: 'proj_a', user_id: user, model: 'gpt-4o', api_source: apiSource },
            {
              input_tokens: 100,
              input_cache_write_tokens: 30,
              input_cache_write_12h_tokens: h12,
              input_cache_write_30m_tokens: 30 - h12,
              num_model_requests: 1,
            },
          );
        const records = [
          rec('as1', T0 + 10, 'agents_api', 10, 'user_1'),
          rec('as2', T0 + 20, 'unlabeled', 20, 'user_1'),
          rec('as3', T0 + HOUR + 5, null, 5, 'user_2'),
          rec('as4', T0 + DAY + 5, 'agents_api', 0, 'user_2'),
        ];
        const measures = ['input_tokens', 'input_cache_write_tokens', 'input_cache_write_12h_tokens', 'input_cache_write_30m_tokens', 'num_model_requests'];
        // The test's own reading of OpenAI's docs: a record without api_source is 'unlabeled' when grouped.
        const labeled = records.map((r) => ({ ...r, dims: { ...r.dims, api_source: r.dims.api_source ?? 'unlabeled' } }));
        for (const kind of ['completions', 'decisions'] as const) {
          await store.write((tx) => tx.usage.insertUsage({ orgId, kind, records }));
          for (const groupBy of [['api_source'], ['api_source', 'user_id'], ['model'], []] as Dimension[][]) {
            const expected = expectedSums(labeled, { from: T0, to: T0 + 2 * DAY, width: DAY, groupBy, measures });
            for (const source of ['raw', '1h', '1d'] as const) {
              expect(await usageRows(store, { orgId, kind, source, groupBy }), `${kind} ${source} ${groupBy}`).toEqual(expected);
            }
          }
        }
        expect(await usageRows(store, { orgId, kind: 'completions', source: '1d', groupBy: ['api_source'] })).toEqual([
          { bucketStart: T0, dims: { api_source: 'agents_api' }, measures: expect.objectContaining({ input_cache_write_12h_tokens: 10 }) },
          {
            bucketStart: T0,
            dims: { api_source: 'unlabeled' },
            measures: expect.objectContaining({ input_cache_write_12h_tokens: 25, input_cache_write_30m_tokens: 35 }),
          },
          { bucketStart: T0 + DAY, dims: { api_source: 'agents_api' }, measures: expect.objectContaining({ input_cache_write_30m_tokens: 30 }) },
        ]);
      });

      it('carries the user and api_source of usage records into cost line items, grouped by either', async () => {
        const orgId = await newOrg(store);
        const line = (amountNano: number) => ({ lineItem: 'gpt-4o, input_tokens', amountNano, quantity: 10, quantityUnit: 'tokens', priceId: 'p1' });
        const records = [
          usageRecord('cu1', T0 + 10, { project_id: 'proj_a', user_id: 'user_1', model: 'gpt-4o', api_source: 'agents_api' }, { input_tokens: 10 }, [
            line(100),
          ]),
          usageRecord('cu2', T0 + 20, { project_id: 'proj_a', user_id: 'user_2', model: 'gpt-4o' }, { input_tokens: 10 }, [line(200)]),
          usageRecord('cu3', T0 + 30, { project_id: 'proj_b', user_id: 'user_1', model: 'gpt-4o', api_source: 'unlabeled' }, { input_tokens: 10 }, [line(400)]),
        ];
        await store.write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records }));
        await store.write((tx) => tx.costs.insertCostEntries(orgId, [costEntry('ce_u', T0 + 40, { amountNano: 800 })]));
        const costs = async (groupBy: CostSegmentQuery['groupBy'], filters: CostSegmentQuery['filters'] = {}) =>
          sortCosts(await store.costs.queryCosts({ orgId, source: '1d', from: T0, to: T0 + DAY, origin: T0, width: DAY, groupBy, filters }));
        const row = (over: object, amountNano: number, quantity = 10, quantityUnit: string | null = 'tokens') => ({
          bucketStart: T0,
          ...over,
          amountNano,
          quantity,
          quantityUnit,
        });
        expect(await costs(['user_id'])).toEqual(
          sortCosts([row({ userId: null }, 800, 2, 'seats'), row({ userId: 'user_1' }, 500, 20), row({ userId: 'user_2' }, 200)]),
        );
        expect(await costs(['api_source'])).toEqual(sortCosts([row({ apiSource: 'agents_api' }, 100), row({ apiSource: 'unlabeled' }, 1400, 22, null)]));
        expect(await costs(['user_id', 'project_id', 'api_source'], { line_item: ['gpt-4o, input_tokens'] })).toEqual(
          sortCosts([
            row({ userId: 'user_1', projectId: 'proj_a', apiSource: 'agents_api' }, 100),
            row({ userId: 'user_2', projectId: 'proj_a', apiSource: 'unlabeled' }, 200),
            row({ userId: 'user_1', projectId: 'proj_b', apiSource: 'unlabeled' }, 400),
          ]),
        );
      });

      it('tallies unpriced usage per kind, model and tier', async () => {
        const orgId = await newOrg(store);
        const u = (model: string, tier: string, firstAt: number, lastAt: number, records: number): UnpricedUsage => ({
          kind: 'completions',
          model,
          tier,
          firstAt,
          lastAt,
          records,
        });
        await store.write((tx) => tx.usage.noteUnpricedUsage(orgId, [u('m-x', 'default', T0 + 50, T0 + 60, 2), u('m-a', 'batch', T0, T0, 1)]));
        await store.write((tx) => tx.usage.noteUnpricedUsage(orgId, [u('m-x', 'default', T0 + 10, T0 + 20, 3), u('m-x', 'default', T0 + 70, T0 + 80, 1)]));
        expect(await store.costs.listUnpricedUsage(orgId)).toEqual([u('m-a', 'batch', T0, T0, 1), u('m-x', 'default', T0 + 10, T0 + 80, 6)]);
        expect(await store.costs.listUnpricedUsage('org-none')).toEqual([]);
      });
    });

    describe('two stores on one database (two orgledger processes)', () => {
      it('interleave appends to one organization with dense, unique seqs and no lost event', async () => {
        const second = await opened.another();
        const orgId = await newOrg(store);
        const writers = [store, second];
        const writes = Array.from({ length: 40 }, (_, i) =>
          (writers[i % 2] as Store).write((tx) =>
            appendAuditEvents(
              tx,
              orgId,
              Array.from({ length: 5 }, (_, j) => projectCreated(`evt_${i}_${j}`, 1_700_000_000 + j)),
              systemClock,
            ),
          ),
        );
        await Promise.all(writes);
        const listed = await store.audit.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 1000 });
        expect(listed.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(new Set(listed.map((e) => e.id)).size).toBe(200);
      });

      it('settle a race on the same client ids: each stored once', async () => {
        const second = await opened.another();
        const orgId = await newOrg(store);
        const batch = () => Array.from({ length: 20 }, (_, j) => projectCreated(`evt_race_${j}`, 1_700_000_000 + j));
        const results = await Promise.all([store, second, store, second].map((s) => s.write((tx) => appendAuditEvents(tx, orgId, batch(), systemClock))));
        for (const r of results) expect(r.map((x) => x.id)).toEqual(batch().map((e) => e.clientId));
        expect((await seqsOf(store, orgId)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });

      it('write usage to the same ids and rollup rows at once: every record counted exactly once, no deadlock', async () => {
        const second = await opened.another();
        const orgId = await newOrg(store);
        const records = Array.from({ length: 120 }, (_, i) =>
          usageRecord(
            `u_race_${i}`,
            T0 + (i % 7) * 600,
            { project_id: `proj_${i % 3}`, model: i % 2 ? 'gpt-4o' : 'o3', batch: i % 4 === 0 },
            { input_tokens: i + 1, num_model_requests: 1 },
            [{ lineItem: 'x, input', amountNano: i + 1, quantity: i + 1, quantityUnit: 'tokens', priceId: 'x@1' }],
          ),
        );
        // Overlapping slices in opposite orders from two stores: the same rollup rows, some ids twice.
        const slices = Array.from({ length: 12 }, (_, k) => {
          const slice = records.slice(k * 10, k * 10 + 20);
          return k % 2 ? slice.reverse() : slice;
        });
        const inserted = await Promise.all(
          slices.map((slice, k) => (k % 2 ? second : store).write((tx) => tx.usage.insertUsage({ orgId, kind: 'completions', records: slice }))),
        );
        expect(inserted.flat().sort()).toEqual(records.map((r) => r.id).sort());
        for (const source of ['raw', '1h', '1d'] as const) {
          expect(await usageRows(store, { orgId, kind: 'completions', source, groupBy: ['project_id', 'model'] }), source).toEqual(
            expectedSums(records, { from: T0, to: T0 + 2 * DAY, width: DAY, groupBy: ['project_id', 'model'], measures: usageKind('completions').measures }),
          );
        }
        const [day] = await store.costs.queryCosts({ orgId, source: '1d', from: T0, to: T0 + DAY, origin: T0, width: DAY, groupBy: [], filters: {} });
        expect(day?.amountNano).toBe((120 * 121) / 2);
      });

      it('ensure the organization and the bootstrap key once when started together', async () => {
        const second = await opened.another();
        const third = await opened.another();
        const stores = [store, second, third];
        const orgId = uniqueId('org-boot');
        const secret = `sk-admin-${uniqueId('bootstrap-secret-')}`;
        const services = stores.map((s) => new KeyService(s, systemClock));
        const orgs = await Promise.all(services.map((k) => k.ensureOrganization(orgId, 'Boot')));
        expect(new Set(orgs.map((o) => o.createdAt)).size).toBe(1);
        const withSecret = await Promise.all(services.map((k) => k.ensureBootstrapKey(orgId, secret)));
        expect(withSecret).toEqual([null, null, null]);
        expect(await store.keys.listAdminKeys({ orgId, order: 'asc', fetch: 10 })).toHaveLength(1);

        const emptyOrg = uniqueId('org-boot');
        await services[0]?.ensureOrganization(emptyOrg, 'Empty');
        const created = await Promise.all(services.map((k) => k.ensureBootstrapKey(emptyOrg, undefined)));
        expect(created.filter((c) => c !== null)).toHaveLength(1);
        expect(await store.keys.listAdminKeys({ orgId: emptyOrg, order: 'asc', fetch: 10 })).toHaveLength(1);
      });
    });
  });
}
