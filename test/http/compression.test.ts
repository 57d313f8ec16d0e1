/**
 * Response compression, read as raw bytes over node:http (fetch would decode them silently): large
 * API answers and console assets come gzip- or br-encoded when the client accepts it, small ones and
 * clients that do not ask stay plain, and every body decodes to exactly the plain one.
 */
import { request as httpRequest } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateDemo } from '../../src/demo/generator.js';
import { demoUsageWriter } from '../../src/demo/usage-writer.js';
import { AuditLogService } from '../../src/features/audit-logs/service.js';
import { DEFAULT_ORG_ID } from '../../src/features/keys/service.js';
import { loadPriceTable } from '../../src/features/usage/price-table.js';
import { systemClock } from '../../src/lib/clock.js';
import { buildConsole } from '../console/browser.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let start: number;

beforeAll(async () => {
  await buildConsole();
  server = await startServer();
  const end = systemClock.nowSeconds();
  start = end - 10 * 86_400;
  await generateDemo(
    { auditLogs: new AuditLogService(server.store, systemClock), usage: demoUsageWriter(server.store, systemClock, loadPriceTable()) },
    { orgId: DEFAULT_ORG_ID, orgName: 'Compression Labs', days: 10, seed: 5, people: 20, end },
  );
}, 180_000);
afterAll(async () => {
  await server?.close();
});

function raw(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const auth = () => ({ authorization: `Bearer ${server.adminKey}` });

it('gzips and brotli-encodes a large costs page to the same JSON, and leaves it plain for a client that does not ask', async () => {
  const path = `/v1/organization/costs?start_time=${start}&bucket_width=1d&group_by=line_item&group_by=project_id&limit=31`;
  const plain = await raw(path, auth());
  expect(plain.status).toBe(200);
  expect(plain.headers['content-encoding']).toBeUndefined();
  expect(plain.body.length).toBeGreaterThan(10_000);
  const json = JSON.parse(plain.body.toString('utf8'));

  const gz = await raw(path, { ...auth(), 'accept-encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gz.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(gz.body.length).toBeLessThan(plain.body.length / 4);
  expect(JSON.parse(gunzipSync(gz.body).toString('utf8'))).toEqual(json);

  const br = await raw(path, { ...auth(), 'accept-encoding': 'gzip, deflate, br' });
  expect(br.headers['content-encoding']).toBe('br');
  expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8'))).toEqual(json);
});

it('keeps small bodies and error envelopes plain JSON', async () => {
  const err = await raw('/v1/organization/costs?start_time=nope', { ...auth(), 'accept-encoding': 'gzip, br' });
  expect(err.status).toBe(400);
  expect(err.headers['content-encoding']).toBeUndefined();
  expect(err.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(err.body.toString('utf8')).error.param).toBe('start_time');
});

it('compresses the console script', async () => {
  const html = (await raw('/', {})).body.toString('utf8');
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
  const plain = await raw(script, {});
  const gz = await raw(script, { 'accept-encoding': 'gzip' });
  expect(gz.headers['content-encoding']).toBe('gzip');
  expect(gz.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
});

// Node's fetch (under the SDK) sends Accept-Encoding: gzip, deflate, br and decodes the answer itself.
it('the openai SDK still reads a large compressed page', async () => {
  const page = await server.client().admin.organization.usage.costs({ start_time: start, bucket_width: '1d', group_by: ['line_item'], limit: 31 } as never);
  expect(page.data.length).toBeGreaterThan(0);
});
