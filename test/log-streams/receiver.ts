/** A real local HTTP receiver for delivery tests: records each request and answers from a script. */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
  status: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answers for the next requests (status, headers); 200 once the script is used up. */
  script: Array<{ status: number; headers?: Record<string, string> }>;
  /** Resolves once `predicate` holds over the requests received so far (checked on each arrival). */
  until(predicate: (received: Received[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: Array<() => void> = [];
  const script: Receiver['script'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = script.shift() ?? { status: 200 };
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), status: answer.status });
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end('{"text":"Success","code":0}');
      for (const w of waiters.splice(0)) w();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    received,
    script,
    async until(predicate) {
      while (!predicate(received)) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
