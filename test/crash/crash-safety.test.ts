/**
 * Acknowledged means durable: ingest batches concurrently into a real `orgledger serve` child, SIGKILL
 * it mid-stream, restart it on the same data directory, and find every acknowledged batch complete and
 * no batch partially stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeChild, startServeChild, testSecret } from '../helpers/cli.js';
import { contractViolations } from '../helpers/contract.js';
import { actors } from '../helpers/events.js';

const dir = mkdtempSync(join(tmpdir(), 'orgledger-crash-'));
const secret = testSecret('crash');
let serve: ServeChild | undefined;
afterAll(async () => {
  await serve?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const BATCH_SIZE = 40;
const WORKERS = 6;

/** Batch n: its events are tagged with project id batch-n; half of the batches use client-chosen ids. */
function batch(n: number): Record<string, unknown>[] {
  return Array.from({ length: BATCH_SIZE }, (_, i) => ({
    ...(n % 2 === 0 ? { id: `b${n}-e${i}` } : {}),
    type: 'project.updated',
    effective_at: 1_700_000_000 + n,
    actor: actors.userKey(`key_${n % 3}`, `user_${i % 5}`, `u${i % 5}@example.com`),
    project: { id: `batch-${n}`, name: `batch ${n}` },
    'project.updated': { id: `proj_${n}_${i}`, changes_requested: { title: 'x'.repeat(200), description: `event ${i} of batch ${n}` } },
  }));
}

type Outcome = 'ok' | 'failed';

describe('crash safety', () => {
  it('after SIGKILL every acknowledged batch is complete and no batch is half stored', async () => {
    serve = await startServeChild(['--data', dir], { ORGLEDGER_ADMIN_KEY: secret });
    const url = serve.url;
    const outcomes = new Map<number, Outcome>();
    let next = 0;
    let acked = 0;
    let killed = false;
    const KILL_AFTER = 25;

    const worker = async () => {
      while (!killed) {
        const n = next++;
        try {
          const res = await fetch(`${url}/v1/organization/audit_logs`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
            body: JSON.stringify({ data: batch(n) }),
          });
          const body = (await res.json()) as { data?: { id: string }[] };
          if (res.status === 200 && body.data?.length === BATCH_SIZE) {
            outcomes.set(n, 'ok');
            acked++;
          } else outcomes.set(n, 'failed');
        } catch {
          outcomes.set(n, 'failed'); // connection reset by the kill
        }
        if (acked >= KILL_AFTER && !killed) {
          killed = true;
          serve?.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const exit = await serve.exited;
    expect(exit.signal).toBe('SIGKILL');
    const ackedBatches = [...outcomes].filter(([, o]) => o === 'ok').map(([n]) => n);
    expect(ackedBatches.length).toBeGreaterThanOrEqual(KILL_AFTER);
    // the kill lands while requests are in flight: some were never answered
    expect(outcomes.size).toBeGreaterThan(ackedBatches.length);

    // restart on the same data directory
    serve = await startServeChild(['--data', dir], { ORGLEDGER_ADMIN_KEY: secret });
    const perBatch = new Map<string, number>();
    const ids = new Set<string>();
    for await (const log of serve.client(secret).admin.organization.auditLogs.list({ event_types: ['project.updated'], limit: 100 })) {
      expect(ids.has(log.id)).toBe(false);
      ids.add(log.id);
      const tag = log.project?.id as string;
      perBatch.set(tag, (perBatch.get(tag) ?? 0) + 1);
    }
    for (const n of ackedBatches) expect(perBatch.get(`batch-${n}`), `acknowledged batch ${n}`).toBe(BATCH_SIZE);
    for (const [tag, count] of perBatch) expect(count, `${tag} is all or nothing`).toBe(BATCH_SIZE);
    for (const tag of perBatch.keys()) expect(outcomes.has(Number(tag.slice('batch-'.length)))).toBe(true);

    // client-chosen ids replay idempotently after the restart: nothing stored twice
    const replayN = ackedBatches.find((n) => n % 2 === 0);
    if (replayN !== undefined) {
      const res = await fetch(`${serve.url}/v1/organization/audit_logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data: batch(replayN) }),
      });
      expect(res.status).toBe(200);
      const page = await serve.client(secret).admin.organization.auditLogs.list({ project_ids: [`batch-${replayN}`], limit: 100 });
      expect(page.data).toHaveLength(BATCH_SIZE);
    }
    // the restarted server keeps appending
    const more = await fetch(`${serve.url}/v1/organization/audit_logs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: batch(100_000) }),
    });
    expect(more.status).toBe(200);
    expect(contractViolations).toEqual([]);
  });
});
