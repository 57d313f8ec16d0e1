/**
 * The store contract: ONE suite, run over every engine (engines.ts). What services rely on the store
 * for: organizations, admin keys, audit events (idempotency, dense sequence numbers, every list filter
 * in both directions), atomic group-committed writes, and several stores writing one database at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEvent } from '../../src/features/audit-logs/event-validation.js';
import { appendAuditEvents } from '../../src/features/audit-logs/service.js';
import type { AuditListQuery, StoredAuditEvent } from '../../src/features/audit-logs/types.js';
import { KeyService } from '../../src/features/keys/service.js';
import type { AdminKeyRecord } from '../../src/features/keys/types.js';
import { ApiError } from '../../src/http/errors.js';
import { systemClock } from '../../src/lib/clock.js';
import type { Store } from '../../src/store/store.js';
import { engines, type OpenedStore } from './engines.js';

let counter = 0;
const uniqueId = (prefix: string) => `${prefix}${++counter}_${Math.random().toString(36).slice(2, 8)}`;

async function newOrg(store: Store, createdAt = 1_700_000_000): Promise<string> {
  const id = uniqueId('org-c');
  await store.write((tx) => tx.insertOrganization({ id, name: `name of ${id}`, createdAt }));
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
    const first = await tx.allocateAuditSeq(orgId, specs.length);
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
    await tx.insertAuditEvents(rows);
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
  (await store.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 100_000 })).map((e) => e.seq);

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
        const before = await store.listOrganizations();
        const ids = ['org-c-b', 'org-c-a', 'org-c-c'];
        const seenInside = await store.write(async (tx) => {
          await tx.insertOrganization({ id: ids[0] as string, name: 'B', createdAt: 5 });
          await tx.insertOrganization({ id: ids[1] as string, name: 'A', createdAt: 5 });
          await tx.insertOrganization({ id: ids[2] as string, name: 'C', createdAt: 4 });
          return tx.getOrganization('org-c-a');
        });
        expect(seenInside).toEqual({ id: 'org-c-a', name: 'A', createdAt: 5 });
        expect(await store.getOrganization('org-c-b')).toEqual({ id: 'org-c-b', name: 'B', createdAt: 5 });
        expect(await store.getOrganization('org-missing')).toBeNull();
        const listed = (await store.listOrganizations()).filter((o) => !before.some((b) => b.id === o.id)).map((o) => o.id);
        expect(listed).toEqual(['org-c-c', 'org-c-a', 'org-c-b']);
      });

      it('rejects a duplicate id and leaves the first untouched', async () => {
        const id = await newOrg(store, 42);
        await expect(store.write((tx) => tx.insertOrganization({ id, name: 'again', createdAt: 43 }))).rejects.toThrow();
        expect(await store.getOrganization(id)).toMatchObject({ name: `name of ${id}`, createdAt: 42 });
      });
    });

    describe('admin keys', () => {
      it('inserts, finds by secret hash and by id, and round-trips every field', async () => {
        const orgId = await newOrg(store);
        const key = keyRecord(orgId, { expiresAt: 1_900_000_000, scopes: ['audit_logs.read', 'usage.write'] });
        await store.write((tx) => tx.insertAdminKey(key));
        expect(await store.findAdminKeyByHash(key.secretHash)).toEqual(key);
        expect(await store.getAdminKey(orgId, key.id)).toEqual(key);
        expect(await store.getAdminKey('org-other', key.id)).toBeNull();
        expect(await store.write((tx) => tx.findAdminKeyByHash(key.secretHash))).toEqual(key);
        expect(await store.findAdminKeyByHash('no-such-hash')).toBeNull();
      });

      it('rejects a second key with the same secret hash', async () => {
        const orgId = await newOrg(store);
        const key = keyRecord(orgId);
        await store.write((tx) => tx.insertAdminKey(key));
        await expect(store.write((tx) => tx.insertAdminKey(keyRecord(orgId, { secretHash: key.secretHash })))).rejects.toThrow();
      });

      it('revokes once, hides revoked keys from get and list, and counts only working keys', async () => {
        const orgId = await newOrg(store);
        const live = keyRecord(orgId);
        const expired = keyRecord(orgId, { expiresAt: 1_000 });
        const doomed = keyRecord(orgId);
        await store.write(async (tx) => {
          for (const k of [live, expired, doomed]) await tx.insertAdminKey(k);
        });
        expect(await store.write((tx) => tx.countActiveAdminKeys(orgId, 2_000))).toBe(2);
        expect(await store.write((tx) => tx.revokeAdminKey(orgId, doomed.id, 1_700_000_100))).toBe(true);
        expect(await store.write((tx) => tx.revokeAdminKey(orgId, doomed.id, 1_700_000_200))).toBe(false);
        expect(await store.write((tx) => tx.revokeAdminKey('org-other', live.id, 1_700_000_200))).toBe(false);
        expect(await store.getAdminKey(orgId, doomed.id)).toBeNull();
        expect((await store.findAdminKeyByHash(doomed.secretHash))?.revokedAt).toBe(1_700_000_100);
        expect(await store.write((tx) => tx.countActiveAdminKeys(orgId, 2_000))).toBe(1);
        const listed = await store.listAdminKeys({ orgId, order: 'asc', fetch: 10 });
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
          for (const k of keys) await tx.insertAdminKey(k);
        });
        const ids = async (q: Parameters<Store['listAdminKeys']>[0]) => (await store.listAdminKeys(q)).map((k) => k.id);
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
          await tx.insertAdminKey(a);
          await tx.insertAdminKey(b);
        });
        await store.write((tx) =>
          tx.touchAdminKeys([
            { orgId, id: a.id, at: 100 },
            { orgId, id: a.id, at: 300 },
            { orgId, id: b.id, at: 200 },
          ]),
        );
        await store.write((tx) => tx.touchAdminKeys([{ orgId, id: a.id, at: 250 }]));
        expect((await store.getAdminKey(orgId, a.id))?.lastUsedAt).toBe(300);
        expect((await store.getAdminKey(orgId, b.id))?.lastUsedAt).toBe(200);
      });
    });

    describe('audit events', () => {
      it('allocates dense sequence numbers per organization, rolled back with a failed write', async () => {
        const orgA = await newOrg(store);
        const orgB = await newOrg(store);
        expect(await store.write((tx) => tx.allocateAuditSeq(orgA, 3))).toBe(1);
        expect(await store.write((tx) => tx.allocateAuditSeq(orgB, 1))).toBe(1);
        await expect(
          store.write(async (tx) => {
            await tx.allocateAuditSeq(orgA, 5);
            throw new Error('the write fails after allocating');
          }),
        ).rejects.toThrow('the write fails after allocating');
        expect(await store.write((tx) => tx.allocateAuditSeq(orgA, 2))).toBe(4);
        await expect(store.write((tx) => tx.allocateAuditSeq('org-missing', 1))).rejects.toThrow();
      });

      it('finds stored hashes and positions by id, only in the same organization', async () => {
        const orgId = await newOrg(store);
        const [e1, e2] = await appendRows(store, orgId, [
          { id: 'evt_one', effectiveAt: 1_700_000_000, contentHash: 'h1' },
          { id: 'evt_two', effectiveAt: 1_600_000_000, contentHash: 'h2' },
        ]);
        const found = await store.write((tx) => tx.findAuditEventHashes(orgId, ['evt_one', 'evt_two', 'evt_none']));
        expect(Object.fromEntries(found)).toEqual({
          evt_one: { contentHash: 'h1', effectiveAt: 1_700_000_000 },
          evt_two: { contentHash: 'h2', effectiveAt: 1_600_000_000 },
        });
        expect((await store.write((tx) => tx.findAuditEventHashes('org-other', ['evt_one']))).size).toBe(0);
        expect((await store.write((tx) => tx.findAuditEventHashes(orgId, []))).size).toBe(0);
        expect(await store.findAuditPosition(orgId, 'evt_two')).toEqual({ effectiveAt: 1_600_000_000, seq: e2?.seq });
        expect(await store.findAuditPosition(orgId, 'evt_one')).toEqual({ effectiveAt: 1_700_000_000, seq: e1?.seq });
        expect(await store.findAuditPosition('org-other', 'evt_one')).toBeNull();
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

      it('stores events of any month, far past and far future included', async () => {
        const orgId = await newOrg(store);
        const times = [0, 946_684_800, 1_580_000_000, 1_700_000_000, 1_800_000_000, 2_000_000_000, 4_102_444_800, 253_402_300_799];
        await appendRows(
          store,
          orgId,
          times.map((t) => ({ effectiveAt: t })),
        );
        const listed = await store.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'desc', fetch: 100 });
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
            const got = await store.listAuditEvents(q);
            expect(got.map((e) => e.id)).toEqual(expected(q));
            if (name === 'everything, newest first') expect(got.length).toBe(7);
          });
        }

        it('returns stored rows as written', async () => {
          const got = await store.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 1 });
          const first = rows[4] as StoredAuditEvent;
          expect(got).toEqual([{ ...first, actorIds: [] }]);
        });
      });
    });

    describe('group commit', () => {
      it('commits concurrent writes with dense seqs; a failing write rolls back alone', async () => {
        const orgId = await newOrg(store);
        const writes = Array.from({ length: 60 }, (_, i) =>
          i === 17
            ? store.write(async (tx) => {
                await tx.allocateAuditSeq(orgId, 3);
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
        const listed = await store.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 1000 });
        expect(listed.map((e) => e.id).sort()).toEqual(acknowledged.map((e) => e.id).sort());
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
        const listed = await store.listAuditEvents({ orgId, tenantOnly: false, effectiveAt: {}, direction: 'asc', fetch: 1000 });
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
        expect(await store.listAdminKeys({ orgId, order: 'asc', fetch: 10 })).toHaveLength(1);

        const emptyOrg = uniqueId('org-boot');
        await services[0]?.ensureOrganization(emptyOrg, 'Empty');
        const created = await Promise.all(services.map((k) => k.ensureBootstrapKey(emptyOrg, undefined)));
        expect(created.filter((c) => c !== null)).toHaveLength(1);
        expect(await store.listAdminKeys({ orgId: emptyOrg, order: 'asc', fetch: 10 })).toHaveLength(1);
      });
    });
  });
}
