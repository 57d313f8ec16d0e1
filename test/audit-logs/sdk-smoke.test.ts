import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractViolations } from '../helpers/contract.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

describe('audit logs through the openai SDK', () => {
  it('lists ingested events newest first and auto-paginates on last_id', async () => {
    const events = Array.from({ length: 7 }, (_, i) => ({
      type: 'project.created',
      effective_at: 1_700_000_000 + i,
      'project.created': { id: `proj_${i}`, data: { name: `p${i}` } },
    }));
    const ingest = await server.request('POST', '/v1/organization/audit_logs', { body: { data: events } });
    expect(ingest.status).toBe(200);
    const seen: string[] = [];
    for await (const log of server.client().admin.organization.auditLogs.list({ event_types: ['project.created'], limit: 3 })) {
      seen.push((log as Record<string, any>)['project.created'].id);
    }
    expect(seen).toEqual(['proj_6', 'proj_5', 'proj_4', 'proj_3', 'proj_2', 'proj_1', 'proj_0']);
    expect(contractViolations).toEqual([]);
  });
});
