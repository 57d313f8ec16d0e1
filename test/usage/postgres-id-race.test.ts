/**
 * Two orgledger processes (two stores on one PostgreSQL database) receive the same client-chosen usage
 * id at the same instant: the second checks before the first has committed, so its check finds
 * nothing and its insert meets the first's row. It must answer as if it had come second all along:
 * a 409 for other content, the stored record's acknowledgement for the same content. SQLite has one
 * writer per file, so its check always sees the committed twin; this race exists only here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestCostEntries } from '../../src/features/costs/service.js';
import { ingestUsage } from '../../src/features/usage/ingest.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { systemClock } from '../../src/lib/clock.js';
import { ApiError } from '../../src/lib/errors.js';
import type { Store } from '../../src/store/store.js';
import { freshTestDatabase, PG_SKIP_MESSAGE, PG_TEST_URL, type TestDatabase } from '../helpers/pg.js';
import { openTestStore } from '../helpers/store.js';

const ORG = 'org-race';
const T = 1_767_225_600;
const prices = loadPriceTable();

/** A store whose writes finish their work, call `reached`, then wait for `gate` before committing. */
function heldAtCommit(store: Store, reached: () => void, gate: Promise<void>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'write')
        return <T>(work: (tx: Parameters<Parameters<Store['write']>[0]>[0]) => Promise<T>) =>
          target.write(async (tx) => {
            const result = await work(tx);
            reached();
            await gate;
            return result;
          });
      return Reflect.get(target, prop, receiver);
    },
  });
}

type Ingest = (store: Store, data: unknown[]) => Promise<{ data: { id: string; created_at: number }[] }>;
const usage: Ingest = (store, data) => ingestUsage({ store, clock: systemClock, prices }, ORG, 'completions', data);
const costs: Ingest = (store, data) => ingestCostEntries({ store, clock: systemClock }, ORG, data);

const record = (id: string, inputTokens: number) => ({
  id,
  created_at: T,
  model: 'gpt-4o-mini',
  input_tokens: inputTokens,
  output_tokens: 1,
  num_model_requests: 1,
});

if (!PG_TEST_URL) {
  describe.skip(`usage id race between processes (${PG_SKIP_MESSAGE})`, () => {
    it('is skipped', () => undefined);
  });
} else {
  describe('the same usage id from two processes at the same instant', () => {
    let db: TestDatabase;
    let first: Store;
    let second: Store;
    beforeAll(async () => {
      db = await freshTestDatabase();
      const open = () => openTestStore({ databaseUrl: db.url, pgPoolSize: 4, maxBatchJobs: 8 });
      first = await open();
      second = await open();
      await first.write((tx) => tx.keys.insertOrganization({ id: ORG, name: 'Race', createdAt: T }));
    }, 60_000);
    afterAll(async () => {
      await first?.close();
      await second?.close();
      await db?.drop();
    });

    /** Runs `theirs` on the first store held open at commit, starts `ours` on the second, then lets the first commit. */
    async function race(theirs: unknown[], ours: unknown[], ingest: Ingest = usage) {
      let open = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let reached = () => {};
      const atGate = new Promise<void>((resolve) => {
        reached = resolve;
      });
      const firstDone = ingest(heldAtCommit(first, reached, gate), theirs);
      // The first has written its rows and holds them uncommitted.
      await atGate;
      const secondDone = ingest(second, ours).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      // Open the gate only once the second is blocked on the first's uncommitted id row.
      await waitForLockWait();
      open();
      return { first: await firstDone, second: await secondDone };
    }

    /** Until a backend of this schema waits on a row lock (the second store's insert of the contested id). */
    async function waitForLockWait() {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [row] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND (query LIKE '%usage_record_ids%' OR query LIKE '%cost_entries%')`,
        );
        if ((row?.n ?? 0) > 0) return;
        if (Date.now() > deadline) throw new Error("the second store never blocked on the first one's row");
        await new Promise((r) => setTimeout(r, 10));
      }
    }

    const sums = async () =>
      db.query<{ n: number; input: string }>('SELECT count(*)::int AS n, sum(input_tokens)::text AS input FROM usage_records WHERE org_id = $1', [ORG]);
    const rollupInput = async () =>
      db.query<{ input: string }>('SELECT sum(input_tokens)::text AS input FROM usage_rollups WHERE org_id = $1 AND grain = 86400 AND cube = 0', [ORG]);

    it('other content: the second gets a 409 naming data[i].id and writes nothing of its batch', async () => {
      const before = await sums();
      const result = await race([record('race-a', 100)], [record('solo-a', 7), record('race-a', 999)]);
      expect(result.first.data.map((d) => d.id)).toEqual(['race-a']);
      const error = (result.second as { error?: unknown }).error;
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(409);
      expect((error as ApiError).param).toBe('data[1].id');
      const after = await sums();
      expect(after[0]?.n).toBe((before[0]?.n ?? 0) + 1);
      expect(await db.query('SELECT id, input_tokens::int AS input FROM usage_records WHERE org_id = $1 ORDER BY id', [ORG])).toEqual([
        { id: 'race-a', input: 100 },
      ]);
    });

    it('same content: the second is acknowledged as a replay and nothing is counted twice', async () => {
      const result = await race([record('race-b', 40)], [record('race-b', 40), record('solo-b', 2)]);
      const second = (result.second as { value?: { data: { id: string; created_at: number }[] } }).value;
      expect(second?.data).toEqual([
        { id: 'race-b', created_at: T },
        { id: 'solo-b', created_at: T },
      ]);
      const [rows] = await sums();
      expect(rows).toEqual({ n: 3, input: String(100 + 40 + 2) });
      expect(await rollupInput()).toEqual([{ input: String(100 + 40 + 2) }]);
    });

    it('cost entries alike: other content is a 409, the same content a replay', async () => {
      const entry = (id: string, value: number) => ({ id, created_at: T, line_item: 'support', amount: { value, currency: 'usd' } });
      const conflict = await race([entry('cost-race', 5)], [entry('cost-race', 6)], costs);
      expect(((conflict.second as { error?: ApiError }).error as ApiError).status).toBe(409);
      const replay = await race([entry('cost-race-2', 5)], [entry('cost-race-2', 5)], costs);
      expect((replay.second as { value?: unknown }).value).toEqual({ object: 'list', data: [{ id: 'cost-race-2', created_at: T }] });
      expect(await db.query('SELECT id, amount_nano::text AS nano FROM cost_entries WHERE org_id = $1 ORDER BY id', [ORG])).toEqual([
        { id: 'cost-race', nano: '5000000000' },
        { id: 'cost-race-2', nano: '5000000000' },
      ]);
    });
  });
}
