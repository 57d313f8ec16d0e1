/**
 * The live-tail benchmark's client process (forked by bench/live-tail.ts): opens N Server-Sent Events
 * connections and measures, per delivered event, the lag from the moment its ingest request was sent
 * (stamped in the event's project name) to its arrival here.
 */
import { Agent, get, type IncomingMessage } from 'node:http';

interface Open {
  op: 'open';
  url: string;
  key: string;
  clients: number;
}
interface Report {
  op: 'report';
}

const lags: number[] = [];
const perClientP99: number[] = [];
const responses: IncomingMessage[] = [];
const clientLags: number[][] = [];
let ended = 0;

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);
}

async function open(msg: Open): Promise<void> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const joined: Promise<void>[] = [];
  for (let i = 0; i < msg.clients; i++) {
    const mine: number[] = [];
    clientLags.push(mine);
    joined.push(
      new Promise<void>((resolve, reject) => {
        const req = get(msg.url, { agent, headers: { authorization: `Bearer ${msg.key}`, accept: 'text/event-stream' } }, (res) => {
          responses.push(res);
          res.setEncoding('utf8');
          let buffer = '';
          let hello = false;
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end = buffer.indexOf('\n\n');
            while (end >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              if (!hello && block.startsWith(': orgledger')) {
                hello = true;
                resolve();
              }
              const data = block.split('\n').find((l) => l.startsWith('data: '));
              if (data && !block.startsWith('event: error')) {
                const sent = Number(/"name":"t(\d+)"/.exec(data)?.[1]);
                if (Number.isFinite(sent)) mine.push(Date.now() - sent);
              }
              end = buffer.indexOf('\n\n');
            }
          });
          res.on('end', () => ended++);
        });
        req.on('error', reject);
      }),
    );
  }
  await Promise.all(joined);
}

function report() {
  for (const mine of clientLags) {
    lags.push(...mine);
    const sorted = [...mine].sort((a, b) => a - b);
    if (sorted.length > 0) perClientP99.push(percentile(sorted, 99));
  }
  lags.sort((a, b) => a - b);
  perClientP99.sort((a, b) => a - b);
  for (const r of responses) r.destroy();
  return {
    deliveries: lags.length,
    p50: percentile(lags, 50),
    p99: percentile(lags, 99),
    max: lags.at(-1) ?? Number.NaN,
    worstClientP99: perClientP99.at(-1) ?? Number.NaN,
    ended,
  };
}

export type TailClientsReport = ReturnType<typeof report>;

process.on('message', (msg: Open | Report) => {
  if (msg.op === 'open')
    open(msg).then(
      () => process.send?.({ ok: true }),
      (err: unknown) => process.send?.({ ok: false, error: String(err) }),
    );
  else {
    process.send?.({ ok: true, report: report() });
    setTimeout(() => process.exit(0), 100);
  }
});
process.send?.({ ready: true });
