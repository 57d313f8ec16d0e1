/**
 * `orgledger retention set|show|apply` and `verify --data` spawned like a user runs them, on a SQLite
 * data directory: old audit events are pruned with a signed record, verify exits 0 and says
 * "pruned by retention up to leaf K", and a row deleted afterwards above K still makes it exit 1.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteSigner } from '../../src/features/ledger/note.js';
import { LedgerService } from '../../src/features/ledger/service.js';
import { systemClock } from '../../src/lib/clock.js';
import { runCli } from '../helpers/cli.js';
import { openTestStore } from '../helpers/store.js';

const dir = mkdtempSync(join(tmpdir(), 'orgledger-cli-retention-'));
const DAY = 86400;
const now = Math.floor(Date.now() / 1000);
const OLD = 30;
const NEW = 5;

beforeAll(async () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  writeFileSync(join(dir, 'ledger-key.pem'), pem, { mode: 0o600 });
  const store = await openTestStore({ databaseUrl: join(dir, 'orgledger.sqlite'), dataDir: dir });
  try {
    await store.write(async (tx) => {
      await tx.keys.insertOrganization({ id: 'org-default', name: 'Default', createdAt: now });
      const first = await tx.audit.allocateAuditSeq('org-default', OLD + NEW);
      await tx.audit.insertAuditEvents(
        Array.from({ length: OLD + NEW }, (_, i) => {
          const id = `evt_${i}`;
          const effectiveAt = i < OLD ? now - 100 * DAY + i : now - 60 + i;
          return {
            orgId: 'org-default',
            seq: first + i,
            id,
            effectiveAt,
            type: 'login.succeeded',
            tenant: false,
            projectId: null,
            actorEmail: null,
            actorIds: ['user_1'],
            resourceId: null,
            contentHash: id,
            body: JSON.stringify({ id, type: 'login.succeeded', effective_at: effectiveAt }),
            ingestedAt: now,
          };
        }),
      );
    });
    await new LedgerService(store, noteSigner('orgledger.local', pem), 'orgledger.local', systemClock).checkpointNow();
  } finally {
    await store.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('orgledger retention', () => {
  it('set, apply, show; verify --data reports the pruned range and passes', async () => {
    const set = await runCli(['retention', 'set', '--audit', '30d', '--data', dir]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('org-default audit: 30d');
    // The change is an organization.updated audit event by the organization's orgledger operator (leaf OLD + NEW).
    const db = new Database(join(dir, 'orgledger.sqlite'), { readonly: true });
    const changes = db.prepare("SELECT body FROM audit_events WHERE type = 'organization.updated'").all() as { body: string }[];
    db.close();
    expect(changes.map((r) => JSON.parse(r.body))).toMatchObject([
      {
        actor: { type: 'api_key', api_key: { id: 'orgledger-operator', type: 'service_account' } },
        'organization.updated': {
          id: 'org-default',
          changes_requested: { audit_log_retention_seconds: 30 * DAY },
          previous_values: { audit_log_retention_seconds: null },
        },
      },
    ]);
    const bad = await runCli(['retention', 'set', '--audit', 'soon', '--data', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'soon' is neither a duration");

    const apply = await runCli(['retention', 'apply', '--data', dir]);
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toContain(`org-default audit: pruned leaves 0..${OLD - 1} (${OLD} records)`);
    const show = await runCli(['retention', 'show', '--json', '--data', dir]);
    expect(JSON.parse(show.stdout).logs[0]).toMatchObject({ name: 'audit', retention_seconds: 30 * DAY, pruned_size: OLD });

    const verify = await runCli(['verify', '--data', dir]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain(`organization org-default, log audit: pruned by retention up to leaf ${OLD} (recorded `);
    // + 1 leaf: the retention change; apply signed a second checkpoint covering it.
    expect(verify.stdout).toContain(`${OLD + NEW + 1} leaves (${OLD} pruned by retention), 2 checkpoint(s) checked: ok`);
  });

  it('a complete export after pruning verifies offline: its leaves start at the signed pruned size', async () => {
    const file = join(dir, 'events.jsonl');
    const exported = await runCli(['export', 'logs', '-o', file, '--with-checkpoint', '--data', dir]);
    expect(exported.code, exported.stderr).toBe(0);
    const vkey = (await runCli(['ledger', 'key', '--data', dir])).stdout.trim();
    const checked = await runCli(['verify', '--export', file, '--vkey', vkey]);
    expect(checked.stdout).toContain(`${NEW + 1} record(s) against orgledger.local/org-default/audit at tree size ${OLD + NEW + 1}: ok`);
    expect(checked.code).toBe(0);
    // Without the prune record the leading leaves count as dropped.
    const proofFile = `${file}.ledger.json`;
    const proof = JSON.parse(readFileSync(proofFile, 'utf8'));
    expect(proof.pruned).toMatch(new RegExp(`^orgledger.local/org-default/audit\npruned ${OLD}\n`));
    writeFileSync(proofFile, JSON.stringify({ ...proof, pruned: undefined }));
    const without = await runCli(['verify', '--export', file, '--vkey', vkey]);
    expect(without.code).toBe(1);
    expect(without.stdout).toContain('leaf 0: missing from a complete export (dropped)');
  });

  it('a row deleted above the pruned range still fails verify', async () => {
    const db = new Database(join(dir, 'orgledger.sqlite'));
    db.prepare("DELETE FROM audit_events WHERE org_id = 'org-default' AND seq = ?").run(OLD + 2);
    db.close();
    const verify = await runCli(['verify', '--data', dir]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain(`organization org-default, log audit, leaf ${OLD + 1}: the record of this leaf is missing (deleted)`);
  });
});
