/**
 * Retention changes and passes, on either engine: a change of retention is recorded as an
 * organization.updated audit event (who, which log, from what to what) in the same write, read back
 * with both openai SDKs; the event is a ledger leaf like every other. RetentionService.apply is single
 * flight per organization: a pass for another organization is never handed to the caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyService } from '../../src/features/keys/service.js';
import { RetentionService } from '../../src/features/ledger/retention.js';
import { systemClock } from '../../src/lib/clock.js';
import { ingest } from '../helpers/events.js';
import { SDKS, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let otherOrg: string;
let otherKey: string;
const DAY = 86400;
const now = Math.floor(Date.now() / 1000);

beforeAll(async () => {
  server = await startServer();
  const other = await server.keys.createOrganization('retention-other');
  otherOrg = other.org.id;
  otherKey = other.key.secret;
  await ingest(server, [{ id: 'evt_rc_old', type: 'login.succeeded', effective_at: now - 100 * DAY }]);
  await ingest(server, [{ id: 'evt_rc_other_old', type: 'login.succeeded', effective_at: now - 100 * DAY }], otherKey);
});
afterAll(async () => {
  await server?.close();
});

const retentionEvents = async (key?: string) => {
  const res = await server.request('GET', '/v1/organization/audit_logs?event_types[]=organization.updated&limit=100', key ? { key } : {});
  expect(res.status).toBe(200);
  return res.body.data as Record<string, any>[];
};

describe('retention changes are audit events', () => {
  it('records who changed which log from what to what, once per change', async () => {
    const keyId = (await server.request('GET', '/v1/organization/admin_api_keys?limit=1')).body.data[0].id;
    expect((await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: 400 * DAY } })).status).toBe(200);
    let events = await retentionEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'organization.updated',
      actor: { type: 'api_key', api_key: { id: keyId } },
      'organization.updated': {
        id: 'org-default',
        changes_requested: { audit_log_retention_seconds: 400 * DAY },
        previous_values: { audit_log_retention_seconds: null },
      },
    });
    expect(Math.abs(events[0]?.effective_at - now)).toBeLessThan(600);

    // Both logs in one request: one event; the audit log's previous value is the one set above.
    expect((await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: 0, usage_seconds: 90 * DAY } })).status).toBe(200);
    events = await retentionEvents();
    expect(events).toHaveLength(2);
    expect(events[0]?.['organization.updated']).toEqual({
      id: 'org-default',
      changes_requested: { audit_log_retention_seconds: null, usage_retention_seconds: 90 * DAY },
      previous_values: { audit_log_retention_seconds: 400 * DAY, usage_retention_seconds: null },
    });

    // Setting what is already set changes nothing and records nothing; a refused body records nothing.
    expect((await server.request('POST', '/v1/organization/ledger/retention', { body: { usage_seconds: 90 * DAY } })).status).toBe(200);
    expect((await server.request('POST', '/v1/organization/ledger/retention', { body: { usage_seconds: -1 } })).status).toBe(400);
    expect(await retentionEvents()).toHaveLength(2);
    // The other organization saw none of it.
    expect(await retentionEvents(otherKey)).toHaveLength(0);
  });

  it('is an event of the spec enum both openai SDKs list and filter by type', async () => {
    for (const sdk of SDKS) {
      const client = server.sdkClient(sdk);
      const page = await client.admin.organization.auditLogs.list({ event_types: ['organization.updated'], limit: 10 });
      expect(page.data.map((e) => e.type)).toEqual(['organization.updated', 'organization.updated']);
      const details = (page.data[1] as unknown as Record<string, any>)['organization.updated'];
      expect(details.changes_requested).toEqual({ audit_log_retention_seconds: 400 * DAY });
    }
  });

  it('is a leaf of the audit log, with an inclusion proof', async () => {
    const [newest] = await retentionEvents();
    await server.app.services.ledger.checkpointNow();
    const proof = await server.request('GET', `/v1/organization/ledger/audit/proof/inclusion?id=${newest?.id}`);
    expect(proof.status).toBe(200);
    expect(proof.body.leaf_index).toBeGreaterThan(0);
  });

  it('from the CLI path is recorded as the orgledger operator', async () => {
    const operator = await new KeyService(server.store, systemClock).operatorPrincipal(otherOrg);
    await new RetentionService(server.store, systemClock).update(operator, { audit: 30 * DAY });
    const [event] = await retentionEvents(otherKey);
    expect(event).toMatchObject({
      actor: { type: 'api_key', api_key: { id: 'orgledger-operator', type: 'service_account' } },
      'organization.updated': {
        id: otherOrg,
        changes_requested: { audit_log_retention_seconds: 30 * DAY },
        previous_values: { audit_log_retention_seconds: null },
      },
    });
    const provenance = await server.request('GET', `/v1/organization/audit_logs/${event?.id}/provenance`, { key: otherKey });
    expect(provenance.body.recorded_by_orgledger).toBe(true);
  });
});

describe('RetentionService.apply', () => {
  it('is single flight per organization: a pass for another organization is not handed out', async () => {
    // Both organizations have a due audit event and an audit policy (set above).
    await server.request('POST', '/v1/organization/ledger/retention', { body: { audit_seconds: 30 * DAY } });
    const retention = server.app.services.retention;
    const first = retention.apply('org-default');
    const sameAgain = retention.apply('org-default');
    const other = retention.apply(otherOrg);
    expect(sameAgain).toBe(first);
    const [a, b] = await Promise.all([first, other]);
    expect(a.map((r) => r.orgId)).toEqual(expect.arrayContaining(['org-default']));
    expect(new Set(a.map((r) => r.orgId))).toEqual(new Set(['org-default']));
    expect(b.map((r) => `${r.orgId} ${r.log}`)).toEqual([`${otherOrg} audit`]);
    expect(b[0]?.deleted).toBe(1);
    // A later call starts a new pass (nothing left to prune).
    const again = await retention.apply(otherOrg);
    expect(again).toEqual([{ orgId: otherOrg, log: 'audit', from: 1, to: 1, deleted: 0 }]);
  });
});
