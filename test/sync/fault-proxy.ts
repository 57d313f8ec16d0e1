/**
 * A reverse proxy in front of an upstream orgledger that misbehaves on schedule: a 429 with
 * Retry-After, 500s with a request id, responses cut off mid-connection and slow responses. `onRequest`
 * lets a test act at an exact request count (a SIGKILL mid-run) instead of sleeping.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultProxy {
  url: string;
  counts: { requests: number; tooMany: number; serverErrors: number; dropped: number; slow: number };
  /** Faults on (default) or off. */
  faults: boolean;
  onRequest?: (n: number) => void;
  /** While set, requests wait for it before being answered (holds a run mid-way without sleeping). */
  gate?: Promise<void>;
  /** Set: 1h usage requests starting before this time answer 400, as an upstream keeping hourly buckets for a limited time. */
  hourlyFrom?: number;
  close(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const proxy: FaultProxy = {
    url: '',
    counts: { requests: 0, tooMany: 0, serverErrors: 0, dropped: 0, slow: 0 },
    faults: true,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const n = ++proxy.counts.requests;
    proxy.onRequest?.(n);
    if (proxy.faults && n % 9 === 2) {
      proxy.counts.tooMany++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1', 'x-request-id': `req_proxy_${n}` });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached (proxy).', type: 'requests', param: null, code: 'rate_limit_exceeded' } }));
      return;
    }
    if (proxy.faults && n % 9 === 4) {
      proxy.counts.serverErrors++;
      res.writeHead(500, { 'content-type': 'application/json', 'x-request-id': `req_proxy_${n}` });
      res.end(JSON.stringify({ error: { message: 'The server had an error (proxy).', type: 'server_error', param: null, code: null } }));
      return;
    }
    if (proxy.faults && n % 9 === 6) {
      proxy.counts.dropped++;
      req.socket.destroy();
      return;
    }
    const asked = new URL(req.url ?? '/', 'http://proxy');
    const start = Number(asked.searchParams.get('start_time'));
    if (proxy.hourlyFrom !== undefined && asked.searchParams.get('bucket_width') === '1h' && start < proxy.hourlyFrom) {
      res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': `req_proxy_${n}` });
      res.end(
        JSON.stringify({
          error: { message: 'Hourly buckets are not available this far back (proxy).', type: 'invalid_request_error', param: 'start_time', code: null },
        }),
      );
      return;
    }
    if (proxy.gate) {
      const gate = proxy.gate;
      void gate.then(() => forwardTo(req, res, false));
      return;
    }
    const slow = proxy.faults && n % 9 === 8;
    forwardTo(req, res, slow);
  });
  const forwardTo = (req: IncomingMessage, res: ServerResponse, slow: boolean) => {
    if (slow) proxy.counts.slow++;
    const forward = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (slow) setTimeout(() => up.pipe(res), 300);
        else up.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    if (req.readableEnded) forward.end();
    else req.pipe(forward);
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return proxy;
}
