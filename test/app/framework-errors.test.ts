import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.close();
});

it('an undecodable URL gets the OpenAI envelope and a request id, not Fastify’s own body', async () => {
  const res = await server.request('GET', '/v1/organization/%zz');
  expect(res.status).toBe(400);
  expect(res.body.error.param).toBe('url');
  expect(res.headers.get('x-request-id')).toMatch(/^req_/);
});
