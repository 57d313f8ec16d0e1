/**
 * Log-stream receivers for bench/streams.ts, in a child process so their parsing does not count as
 * the server's CPU: webhook (`POST /hook/<name>`, a JSON array) and Splunk HEC (`POST
 * /services/collector/event`, concatenated JSON events, `Authorization: Splunk <token>`, answered as
 * Splunk documents). Counts distinct record ids per path; the parent asks for the counts over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

export const HEC_TOKEN = 'bench-hec-token-0000';

/** Concatenated JSON objects (HEC's batch format): parsed one by one, as Splunk does. */
function hecEvents(text: string): Array<{ event?: { id?: string } }> {
  const out: Array<{ event?: { id?: string } }> = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  if (depth !== 0) throw new Error('truncated event');
  return out;
}

async function serve(): Promise<void> {
  const seen = new Map<string, Set<string>>();
  const requests = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const text = Buffer.concat(chunks).toString('utf8');
      let ids: string[];
      if (path === '/services/collector/event') {
        if (req.headers.authorization !== `Splunk ${HEC_TOKEN}`) {
          res.writeHead(401, { 'content-type': 'application/json' }).end('{"text":"Invalid authorization","code":3}');
          return;
        }
        try {
          const events = hecEvents(text);
          if (events.some((e) => typeof e.event?.id !== 'string')) throw new Error('event without id');
          ids = events.map((e) => e.event?.id as string);
        } catch {
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"text":"Invalid data format","code":6,"invalid-event-number":0}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
      } else {
        ids = (JSON.parse(text) as Array<{ id: string }>).map((r) => r.id);
        res.writeHead(204).end();
      }
      const set = seen.get(path) ?? new Set<string>();
      seen.set(path, set);
      for (const id of ids) set.add(id);
      requests.set(path, (requests.get(path) ?? 0) + 1);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  process.on('message', () => {
    const counts = Object.fromEntries([...seen].map(([p, s]) => [p, { records: s.size, requests: requests.get(p) ?? 0 }]));
    process.send?.({ counts });
  });
  process.send?.({ port: address.port });
}

export interface ReceiverCounts {
  [path: string]: { records: number; requests: number };
}

/** The parent's handle on the receiver child. */
export class ReceiverProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<ReceiverProcess> {
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [msg] = (await once(child, 'message')) as [{ port: number }];
    return new ReceiverProcess(child, `http://127.0.0.1:${msg.port}`);
  }

  async counts(): Promise<ReceiverCounts> {
    const reply = once(this.child, 'message') as Promise<[{ counts: ReceiverCounts }]>;
    this.child.send({});
    return (await reply)[0].counts;
  }

  /** Waits (polling every 20 ms) until `path` received `records` distinct records. */
  async until(path: string, records: number): Promise<void> {
    while (((await this.counts())[path]?.records ?? 0) < records) await new Promise((r) => setTimeout(r, 20));
  }

  stop(): void {
    this.child.kill();
  }
}

if (process.argv.includes('--serve')) void serve();
