/**
 * Elasticsearch _bulk delivery. No Elasticsearch server is available here, so a local listener plays
 * one: it parses the NDJSON, keeps documents by _index/_id and answers each `create` 201 or 409
 * (version_conflict_engine_exception) as Elasticsearch does, with `errors` set on any failed item.
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ logStreamPollMs: 20, logStreamBackoffMs: 20, logStreamMaxBackoffMs: 100 });
});
afterAll(async () => {
  await server.close();
});

async function startBulk() {
  const docs = new Map<string, Record<string, unknown>>();
  const order: string[] = [];
  const requests: Array<{ path: string; headers: IncomingHttpHeaders; items: number }> = [];
  /** Project ids (in the document) to refuse once with a 429 es_rejected_execution_exception (a partial failure). */
  const rejectOnce = new Set<string>();
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url !== '/_bulk' || req.headers['content-type'] !== 'application/x-ndjson' || !body.endsWith('\n')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"type":"illegal_argument_exception","reason":"bad request"},"status":400}');
        return;
      }
      const lines = body.split('\n').filter(Boolean);
      const items: unknown[] = [];
      for (let i = 0; i < lines.length; i += 2) {
        const action = JSON.parse(lines[i] as string) as { create: { _index: string; _id: string } };
        const doc = JSON.parse(lines[i + 1] as string) as Record<string, unknown>;
        const { _index, _id } = action.create;
        const key = `${_index}/${_id}`;
        if (rejectOnce.delete(String((doc['project.created'] as { id?: string } | undefined)?.id)))
          items.push({ create: { _index, _id, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution' } } });
        else if (docs.has(key))
          items.push({
            create: {
              _index,
              _id,
              status: 409,
              error: { type: 'version_conflict_engine_exception', reason: `[${_id}]: version conflict, document already exists` },
            },
          });
        else {
          docs.set(key, doc);
          order.push(_id);
          items.push({ create: { _index, _id, _version: 1, result: 'created', status: 201 } });
        }
      }
      requests.push({ path: req.url ?? '', headers: req.headers, items: items.length });
      const errors = items.some((i) => ((i as { create: { status: number } }).create.status ?? 0) >= 300);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ took: 1, errors, items }));
    });
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    docs,
    order,
    requests,
    rejectOnce,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

describe('elasticsearch delivery (_bulk contract, local listener)', () => {
  it('creates each event once with its id as _id, retrying a partial failure without duplicates', async () => {
    const es = await startBulk();
    // The second record of the first batch is refused once: the batch is retried, its first record then answers 409.
    es.rejectOnce.add('es1');
    const made = await server.request('POST', '/v1/organization/log_streams', {
      body: {
        name: 'es',
        sink: { type: 'elasticsearch', url: es.url, index: 'orgledger-audit', api_key: 'a2V5OnNlY3JldA==' },
        batch: { max_records: 4, max_wait_ms: 20 },
      },
    });
    expect(made.status).toBe(200);
    const data = Array.from({ length: 8 }, (_, j) => ({ type: 'project.created', 'project.created': { id: `es${j}`, data: { name: 'x' } } }));
    const res = await server.request('POST', '/v1/organization/audit_logs', { body: { data } });
    expect(res.status).toBe(200);
    const listed = await server.request('GET', '/v1/organization/audit_logs?limit=8');
    const ids = (listed.body.data as Array<{ id: string }>).map((e) => e.id).reverse();
    await expect.poll(async () => (await server.request('GET', `/v1/organization/log_streams/${made.body.id}`)).body.lag.records, { timeout: 20_000 }).toBe(0);
    expect([...es.order].sort()).toEqual([...ids].sort());
    expect(es.docs.size).toBe(8);
    const doc = es.docs.get(`orgledger-audit/${ids[0]}`) as Record<string, any>;
    expect(doc.type).toBe('project.created');
    expect(typeof doc['@timestamp']).toBe('string');
    expect(es.requests.every((r) => r.path === '/_bulk' && r.headers.authorization === 'ApiKey a2V5OnNlY3JldA==')).toBe(true);
    const shown = await server.request('GET', `/v1/organization/log_streams/${made.body.id}`);
    expect(shown.body.failed).toBe(1);
    expect(shown.body.delivered).toBe(8);
    expect(shown.body.last_error).toContain('es_rejected_execution_exception');
    expect(es.requests[1]?.items).toBe(4);
    expect(es.rejectOnce.size).toBe(0);
    await es.close();
  }, 60_000);
});
