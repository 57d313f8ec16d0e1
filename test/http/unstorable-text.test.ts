/**
 * NUL characters and lone UTF-16 surrogates are refused at the boundary with a 400 naming the field
 * or parameter, alike on both engines (PostgreSQL text cannot hold U+0000; a lone surrogate served
 * back makes jq reject the whole page), in JSON and NDJSON bodies, query and path parameters.
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

const AUDIT = '/v1/organization/audit_logs';
const USAGE = '/v1/organization/usage/completions';
const COSTS = '/v1/organization/costs';
const LONE = 'user-\ud800';
const NUL = 'user-\u0000';

function expect400(res: { status: number; body: any }, param: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.error.type).toBe('invalid_request_error');
  expect(res.body.error.param).toBe(param);
  expect(res.body.error.message).toContain(param);
}

const login = (id: string) => ({ type: 'login.succeeded', effective_at: 1_700_000_000, actor: { type: 'session', session: { user: { id } } } });

describe('ingested strings', () => {
  it.each([
    ['lone surrogate', LONE],
    ['NUL', NUL],
  ])('audit events with a %s: JSON and NDJSON bodies, values and keys', async (_what, bad) => {
    expect400(await server.request('POST', AUDIT, { body: { data: [login('ok'), login(bad)] } }), 'data[1].actor.session.user.id');
    const ndjson = `${JSON.stringify(login('ok'))}\n${JSON.stringify(login(bad))}\n`;
    expect400(await server.request('POST', AUDIT, { rawBody: ndjson, contentType: 'application/x-ndjson' }), 'data[1].actor.session.user.id');
    const detailsKey = { type: 'project.created', effective_at: 1_700_000_000, 'project.created': { data: { [bad]: 1 } } };
    expect400(await server.request('POST', AUDIT, { body: { data: [detailsKey] } }), `data[0]["project.created"].data[${JSON.stringify(bad)}]`);
    expect(Number((await server.sql('SELECT count(*) AS n FROM audit_events'))[0].n)).toBe(0);
  });

  it.each([
    ['lone surrogate', LONE],
    ['NUL', NUL],
  ])('usage records and cost entries with a %s', async (_what, bad) => {
    const usage = { data: [{ model: 'gpt-4o', input_tokens: 1, output_tokens: 1, user_id: bad }] };
    expect400(await server.request('POST', USAGE, { body: usage }), 'data[0].user_id');
    const cost = { data: [{ line_item: bad, amount: { value: 1, currency: 'usd' } }] };
    expect400(await server.request('POST', COSTS, { body: cost }), 'data[0].line_item');
  });
});

describe('query and path parameters', () => {
  it('NUL in a string filter, a cursor and a key id', async () => {
    expect400(await server.request('GET', `${AUDIT}?actor_ids[]=a%00b`), 'actor_ids[0]');
    expect400(await server.request('GET', `${AUDIT}?project_ids=p%00`), 'project_ids');
    expect400(await server.request('GET', `${AUDIT}?after=audit_log-%00`), 'after');
    expect400(await server.request('GET', `/v1/organization/usage/completions?start_time=0&models=gpt%00`), 'models');
    expect400(await server.request('GET', '/v1/organization/admin_api_keys/key_%00x'), 'key_id');
    expect400(await server.request('DELETE', '/v1/organization/admin_api_keys/key_%00x'), 'key_id');
  });

  it('the server keeps serving valid pairs of surrogates', async () => {
    const res = await server.request('POST', AUDIT, { body: { data: [login('user-\ud83d\ude00')] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const listed = await server.request('GET', `${AUDIT}?actor_ids[]=${encodeURIComponent('user-\ud83d\ude00')}`);
    expect(listed.body.data).toHaveLength(1);
  });
});
