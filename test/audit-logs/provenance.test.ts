/**
 * Provenance of ingested events: an ingested event may not pose as one orgledger recorded itself
 * (its actor one of orgledger's admin keys), while re-sending a stored event stays a replay. Who
 * ingested each event is shown to admins: GET .../audit_logs/{id}/provenance, and `orgledger export
 * logs --provenance` / `orgledger logs --provenance` on a local store. On SQLite and PostgreSQL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerExport } from '../../src/cli/export.js';
import { runCli } from '../helpers/cli.js';
import { checkResponse } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let out: string;
beforeAll(async () => {
  server = await startServer();
  out = mkdtempSync(join(tmpdir(), 'orgledger-audit-prov-'));
});
afterAll(async () => {
  await server.close();
  rmSync(out, { recursive: true, force: true });
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

/** RFC 4180 rows (quoted cells may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
    } else cell += c;
  }
  rows.push([...row, cell]);
  return rows;
}

describe('export logs --provenance and logs --provenance (local store)', () => {
  const storeArgs = () =>
    server.config.databaseUrl?.startsWith('postgres') ? ['--database-url', server.config.databaseUrl] : ['--data', server.config.dataDir];

  /** Runs `orgledger export <args>` in this process against the test server's store; the lines written. */
  async function exportLines(args: string[], file: string): Promise<string[]> {
    const program = new Command().exitOverride();
    registerExport(program);
    await program.parseAsync(['node', 'orgledger', 'export', ...args, ...storeArgs(), '-o', join(out, file)]);
    return readFileSync(join(out, file), 'utf8').trim().split('\n');
  }

  let writer: { id: string; value: string };
  let ownEventId: string;
  const SENT_REQUEST_ID = '=1+2-export-prov';
  beforeAll(async () => {
    writer = (await server.request('POST', '/v1/organization/admin_api_keys', { body: { name: 'exporter-writer', scopes: ['audit_logs.write'] } })).body;
    // A client-chosen request id is kept when it is plain (hardening.ts), so it may start with '=': the CSV must neutralise it.
    const res = await fetch(`${server.url}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer.value}`, 'content-type': 'application/json', 'x-request-id': SENT_REQUEST_ID },
      body: JSON.stringify({
        data: [{ id: 'prov-export', type: 'project.created', effective_at: Math.floor(Date.now() / 1000) - 10, 'project.created': { id: 'proj_x' } }],
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(SENT_REQUEST_ID);
    const listed = await server.request('GET', `${PATH}?event_types[]=api_key.created&resource_ids[]=${writer.id}`);
    ownEventId = listed.body.data[0].id;
  });

  it('JSONL: every event with the three fields, equal to what the endpoint answers; without the flag, none', async () => {
    const lines = (await exportLines(['logs', '--provenance'], 'logs.jsonl')).map((l) => JSON.parse(l));
    const listed = await server.request('GET', `${PATH}?limit=100`);
    const tenant = await server.request('GET', `${PATH}?limit=100&tenant_only=true`);
    expect(lines.map((e) => e.id).sort()).toEqual([...listed.body.data, ...tenant.body.data].map((e: any) => e.id).sort());
    for (const line of lines) {
      const api = (await server.request('GET', `${PATH}/${encodeURIComponent(line.id)}/provenance`)).body;
      expect({ ingested_by: line.ingested_by, request_id: line.request_id, ingested_at: line.ingested_at }).toEqual({
        ingested_by: api.ingested_by,
        request_id: api.request_id,
        ingested_at: api.ingested_at,
      });
    }
    expect(lines.find((e) => e.id === 'prov-export')).toMatchObject({ type: 'project.created', ingested_by: writer.id, request_id: SENT_REQUEST_ID });
    expect(lines.find((e) => e.id === ownEventId)).toMatchObject({ ingested_by: null, request_id: null });
    // The event itself is the listed one; provenance only adds the three members.
    const { ingested_by: _b, request_id: _r, ingested_at: _a, ...event } = lines.find((e) => e.id === 'prov-export');
    expect(event).toEqual(listed.body.data.find((e: any) => e.id === 'prov-export'));

    const plain = (await exportLines(['logs'], 'plain.jsonl')).map((l) => JSON.parse(l));
    expect(plain.length).toBe(lines.length);
    for (const e of plain) expect(e).not.toHaveProperty('ingested_by');
  });

  it('CSV: three more columns, a request id starting with = neutralised', async () => {
    const rows = parseCsv((await exportLines(['logs', '--provenance', '--format', 'csv', '--type', 'project.created,api_key.created'], 'logs.csv')).join('\n'));
    const header = rows[0] as string[];
    expect(header.slice(-3)).toEqual(['ingested_by', 'request_id', 'ingested_at']);
    const mine = rows.find((r) => r[0] === 'prov-export') as string[];
    expect(mine[header.indexOf('ingested_by')]).toBe(writer.id);
    expect(mine[header.indexOf('request_id')]).toBe(`'${SENT_REQUEST_ID}`);
    const [stored] = await server.sql("SELECT ingested_at FROM audit_events WHERE id = 'prov-export'");
    expect(mine[header.indexOf('ingested_at')]).toBe(String(stored.ingested_at));
    const own = rows.find((r) => r[0] === ownEventId) as string[];
    expect([own[header.indexOf('ingested_by')], own[header.indexOf('request_id')]]).toEqual(['', '']);
    expect(own[header.indexOf('ingested_at')]).toMatch(/^\d+$/);
  });

  it('refuses --provenance over --url and with --with-checkpoint, and on usage buckets', async () => {
    const program = new Command().exitOverride();
    registerExport(program);
    await expect(
      program.parseAsync([
        'node',
        'orgledger',
        'export',
        'logs',
        '--provenance',
        '--url',
        server.url,
        '--key',
        server.adminKey,
        '-o',
        join(out, 'remote.jsonl'),
      ]),
    ).rejects.toThrow(/local store/);
    await expect(exportLines(['logs', '--provenance', '--with-checkpoint'], 'proof.jsonl')).rejects.toThrow(/--with-checkpoint/);
    await expect(exportLines(['usage', '--provenance'], 'usage.jsonl')).rejects.toThrow(/--provenance is for logs/);
  });

  it('orgledger logs --provenance: the ingesting key, request id and time in the table and in --json', async () => {
    const table = await runCli(['logs', '--provenance', '--type', 'project.created', '--resource', 'proj_x', ...storeArgs()]);
    expect(table.code, table.stderr).toBe(0);
    const [head, row] = table.stdout.trimEnd().split('\n') as [string, string];
    expect(head).toMatch(/^Time\s+Type\s+Ingested by\s+Request id\s+Ingested at/i);
    expect(row).toContain(writer.id);
    expect(row).toContain(SENT_REQUEST_ID);

    const json = await runCli(['logs', '--provenance', '--json', '--type', 'api_key.created', '--resource', writer.id, ...storeArgs()]);
    expect(json.code, json.stderr).toBe(0);
    const events = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: ownEventId, ingested_by: null, request_id: null });
    expect(typeof events[0].ingested_at).toBe('number');

    const remote = await runCli(['logs', '--provenance', '--url', server.url, '--key', server.adminKey]);
    expect(remote.code).not.toBe(0);
    expect(remote.stderr).toMatch(/local store/);
  });
});
