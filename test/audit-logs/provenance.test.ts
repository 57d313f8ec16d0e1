/**
 * Provenance of ingested events: an ingested event may not pose as one orgledger recorded itself
 * (its actor one of orgledger's admin keys), while re-sending a stored event stays a replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

const PATH = '/v1/organization/audit_logs';

describe('actor identity', () => {
  it("an event whose actor is one of orgledger's admin keys is refused; a replay of orgledger's own event is not", async () => {
    const created = await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'gateway' } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const keyId: string = created.body.id;
    const listed = await server.request('GET', `${PATH}?event_types[]=api_key.created`);
    const own = listed.body.data.find((e: any) => e['api_key.created'].id === keyId);
    expect(own).toBeDefined();
    const actorKey: string = own.actor.api_key.id;

    const forged = { type: 'api_key.deleted', effective_at: Math.floor(Date.now() / 1000), actor: own.actor, 'api_key.deleted': { id: keyId } };
    const res = await server.request('POST', PATH, { body: { data: [forged] } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.param).toBe('data[0].actor.api_key.id');
    expect(res.body.error.message).toContain(actorKey);

    const replay = await server.request('POST', PATH, { body: { data: [own] } });
    expect(replay.status, JSON.stringify(replay.body)).toBe(200);

    const foreign = { ...forged, actor: { type: 'api_key', api_key: { id: 'key_from_openai', type: 'service_account', service_account: { id: 'svc_1' } } } };
    const ok = await server.request('POST', PATH, { body: { data: [foreign] } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });
});

describe('who ingested', () => {
  it('every ingested event records the ingesting key and request id, kept out of the OpenAI-shaped list', async () => {
    const created = await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'writer' } });
    const event = { id: 'prov-1', type: 'project.created', effective_at: Math.floor(Date.now() / 1000) - 5, 'project.created': { id: 'proj_p' } };
    const res = await server.request('POST', PATH, { key: created.body.value, body: { data: [event] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rows = await server.sql("SELECT ingested_by, request_id FROM audit_events WHERE id = 'prov-1'");
    expect(rows).toEqual([{ ingested_by: created.body.id, request_id: res.headers.get('x-request-id') }]);
    const listed = await server.request('GET', `${PATH}?resource_ids[]=proj_p`);
    expect(listed.body.data).toHaveLength(1);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.id);
    // orgledger's own events carry no ingesting key
    const own = await server.sql(`SELECT ingested_by FROM audit_events WHERE type = 'api_key.created'`);
    expect(own.every((r) => r.ingested_by === null)).toBe(true);
  });
});
