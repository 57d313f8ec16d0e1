import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { SDKS, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

// Both SDK versions (6.49.0 and the newest): each lists its own events (its own project ids).
describe.each(SDKS)('audit logs through $name', (sdk) => {
  it('lists ingested events newest first and auto-paginates on last_id', async () => {
    const tag = sdk.latest ? 'l' : 'o';
    const events = Array.from({ length: 7 }, (_, i) => ({
      type: 'project.created',
      effective_at: 1_700_000_000 + i,
      project: { id: `proj_${tag}` },
      'project.created': { id: `proj_${i}`, data: { name: `p${i}` } },
    }));
    const ingest = await server.request('POST', '/v1/organization/audit_logs', { body: { data: events } });
    expect(ingest.status).toBe(200);
    const seen: string[] = [];
    for await (const log of server
      .sdkClient(sdk)
      .admin.organization.auditLogs.list({ event_types: ['project.created'], project_ids: [`proj_${tag}`], limit: 3 })) {
      seen.push((log as Record<string, any>)['project.created'].id);
    }
    expect(seen).toEqual(['proj_6', 'proj_5', 'proj_4', 'proj_3', 'proj_2', 'proj_1', 'proj_0']);
    expect(contractViolations).toEqual([]);
  });
});
