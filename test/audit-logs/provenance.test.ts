/**
 * Provenance of ingested events: an ingested event may not pose as one orgledger recorded itself
 * (its actor one of orgledger's admin keys), while re-sending a stored event stays a replay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../helpers/contract.js';
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

describe('GET /v1/organization/audit_logs/{id}/provenance', () => {
  const provenanceOf = (id: string, key?: string) => server.request('GET', `${PATH}/${encodeURIComponent(id)}/provenance`, key ? { key } : {});

  it('answers the ingesting key, request id and time of an ingested event, matching what the store holds', async () => {
    const created = await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'ingester', scopes: ['audit_logs.write'] } });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const event = { id: 'prov-endpoint', type: 'project.created', effective_at: Math.floor(Date.now() / 1000) - 60, 'project.created': { id: 'proj_e' } };
    const sent = await server.request('POST', PATH, { key: created.body.value, body: { data: [event] } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);

    const res = await provenanceOf('prov-endpoint');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const [row] = await server.sql("SELECT ingested_at FROM audit_events WHERE id = 'prov-endpoint'");
    expect(res.body).toEqual({
      object: 'organization.audit_log.provenance',
      id: 'prov-endpoint',
      ingested_at: Number(row.ingested_at),
      ingested_by: created.body.id,
      request_id: sent.headers.get('x-request-id'),
      recorded_by_orgledger: false,
    });
    expect(checkResponse('GET', `${PATH}/prov-endpoint/provenance`, res.status, res.body)).toEqual({ checked: true, errors: [] });
    // the write-only key that sent it cannot read it back
    expect((await provenanceOf('prov-endpoint', created.body.value)).status).toBe(403);
  });

  it("says an event orgledger recorded itself (an admin key's creation) was ingested by no key", async () => {
    const created = await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'own-event' } });
    const listed = await server.request('GET', `${PATH}?event_types[]=api_key.created&resource_ids[]=${created.body.id}`);
    const id: string = listed.body.data[0].id;
    const res = await provenanceOf(id);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id, ingested_by: null, request_id: null, recorded_by_orgledger: true });
    expect(typeof res.body.ingested_at).toBe('number');
  });

  it("404s in the OpenAI envelope for an unknown id and for another organization's event", async () => {
    const unknown = await provenanceOf('no-such-event');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ type: 'invalid_request_error', code: 'not_found', param: 'audit_log_id' });
    expect(checkResponse('GET', `${PATH}/no-such-event/provenance`, unknown.status, unknown.body).errors).toEqual([]);

    const other = await server.keys.createOrganization('provenance-other');
    const theirs = await server.request('POST', PATH, { key: other.key.secret, body: { data: [{ id: 'prov-theirs', type: 'login.succeeded' }] } });
    expect(theirs.status).toBe(200);
    expect((await provenanceOf('prov-theirs', other.key.secret)).body.ingested_by).toBe(other.key.record.id);
    const foreign = await provenanceOf('prov-theirs');
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
  });
});
