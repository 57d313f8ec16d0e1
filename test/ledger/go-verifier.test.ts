/**
 * The ledger checked by tools orgledger did not write: a Go program on golang.org/x/mod/sumdb/note and
 * sumdb/tlog (test/ledger/go/verify) verifies the checkpoint signature, rebuilds the root from the
 * tiles, checks every entry bundle and the server's inclusion and consistency proofs, at tree sizes
 * around the tile edge (255, 256, 257) and past two tiles (600); then while writers and the
 * checkpointer run concurrently; then at the edge of the first level-2 tile (65535, 65536, 65537),
 * filled through the store's own insert path (the engine's insert and ledger append, as ingest
 * commits), which is fast enough for 65537 leaves where HTTP ingest is not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/features/ledger/verify.js';
import { ingest } from '../helpers/events.js';
import { startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const bin = join(mkdtempSync(join(tmpdir(), 'ledger-go-')), 'verify');
let server: TestServer;
let vkey: string;
let total = 0;

beforeAll(async () => {
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: '/usr/share/gocode', GOCACHE: join(tmpdir(), 'orgledger-go-cache') };
  await run('go', ['build', '-o', bin, '.'], { cwd: join(import.meta.dirname, 'go/verify'), env });
  server = await startServer();
  vkey = (await server.request('GET', '/v1/organization/ledger')).body.verifier_key;
}, 180_000);
afterAll(async () => {
  await server?.close();
});

async function grow(to: number) {
  while (total < to) {
    const n = Math.min(1000, to - total);
    await ingest(
      server,
      Array.from({ length: n }, (_, i) => ({ id: `evt_g${total + i}`, type: 'login.succeeded' })),
    );
    total += n;
  }
  await server.app.services.ledger.checkpointNow();
}

const goVerify = async (ids: string[], sizes: number[], on: TestServer = server, key = vkey) =>
  (await run(bin, [on.url, on.adminKey, key, 'audit', ids.join(','), sizes.join(',')], { maxBuffer: 1 << 20 })).stdout.trim();

describe('the Go sumdb verifier', () => {
  it('accepts signature, tiles, entries and proofs at sizes 255, 256, 257 and 600', async () => {
    const seen: number[] = [];
    for (const size of [255, 256, 257, 600]) {
      await grow(size);
      const ids = ['evt_g0', 'evt_g127', `evt_g${size - 1}`, `evt_g${Math.floor(size / 2)}`];
      expect(await goVerify(ids, [1, ...seen, size - 1])).toBe(`ok ${size}`);
      seen.push(size);
    }
  });

  it('rejects a checkpoint under another key', async () => {
    const other = 'orgledger.local+00000000+AaFUpSYnvuFaw1LdAcd9ovGxRmZbVUSVJvLeGbOc3rUY';
    const err = await run(bin, [server.url, server.adminKey, other, 'audit', '', '']).catch((e: { stderr: string }) => e);
    expect((err as { stderr: string }).stderr).toMatch(/FAIL: (verifier key|checkpoint signature)/);
  });

  it('concurrent writers while checkpoints are signed: every checkpoint verifies, one tree', async () => {
    const start = total;
    const writers = Array.from({ length: 8 }, (_, w) =>
      ingest(
        server,
        Array.from({ length: 50 }, (_, i) => ({ id: `evt_c${w}_${i}`, type: 'login.succeeded' })),
      ),
    );
    let stop = false;
    const signer = (async () => {
      let signed = 0;
      while (!stop) {
        signed += await server.app.services.ledger.checkpointNow();
        // SQLite reads resolve without I/O: yield so the writers' HTTP requests are served meanwhile.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return signed;
    })();
    await Promise.all(writers);
    stop = true;
    await signer;
    total = start + 400;
    await server.app.services.ledger.checkpointNow();
    const result = await verifyLedger(server.store.ledger, vkey);
    expect(result.problems).toEqual([]);
    expect(await goVerify(['evt_c0_0', 'evt_c7_49'], [start, start + 1])).toBe(`ok ${total}`);
  });
});

describe('the Go sumdb verifier at the level-2 tile edge', () => {
  let big: TestServer;
  let bigKey: string;
  let filled = 0;
  beforeAll(async () => {
    big = await startServer();
    bigKey = big.app.services.ledger.signer.verifierKey;
  });
  afterAll(async () => {
    await big?.close();
  });

  /** Audit events up to `to` through store.write: seq allocation, the engine's insert and the ledger append, 5000 per commit. */
  async function fill(to: number) {
    const now = Math.floor(Date.now() / 1000);
    while (filled < to) {
      const n = Math.min(5000, to - filled);
      await big.store.write(async (tx) => {
        const first = await tx.audit.allocateAuditSeq('org-default', n);
        await tx.audit.insertAuditEvents(
          Array.from({ length: n }, (_, i) => {
            const id = `evt_f${first - 1 + i}`;
            return {
              orgId: 'org-default',
              seq: first + i,
              id,
              effectiveAt: now,
              type: 'login.succeeded',
              tenant: false,
              projectId: null,
              actorEmail: null,
              actorIds: [],
              resourceId: null,
              contentHash: id,
              body: JSON.stringify({ id, type: 'login.succeeded', effective_at: now }),
              ingestedAt: now,
            };
          }),
        );
      });
      filled += n;
    }
    await big.app.services.ledger.checkpointNow();
  }

  it.each([65535, 65536, 65537])(
    'size %i: signature, every tile and entry bundle, inclusion and consistency proofs',
    async (size) => {
      await fill(size);
      const leaves = [0, 255, 256, 65279, 65280, size - 2, size - 1];
      const firsts = [1, 256, 65280, 65535, 65536].filter((f) => f < size);
      expect(
        await goVerify(
          leaves.map((i) => `evt_f${i}`),
          firsts,
          big,
          bigKey,
        ),
      ).toBe(`ok ${size}`);
    },
    600_000,
  );
});
