/**
 * The live-tail benchmark's client process (forked by bench/live-tail.ts): opens N Server-Sent Events
 * connections and notes, per delivered event, which ingest request it came from (the request number
 * `k<n>` stamped in the event's project name) and when it arrived. At `report` the parent sends each
 * request's send and acknowledgement times; lags are arrival minus those. Parsing is a scan for the
 * stamp (no JSON), so this process keeps up with 1,000 streams on a shared core.
 */
import { Agent, get, type IncomingMessage } from 'node:http';
import { percentile } from './report.js';

interface Open {
  op: 'open';
  url: string;
  key: string;
  clients: number;
}
interface Report {
  op: 'report';
  /** Per request number: when it was sent and when it was acknowledged (ms, performance.timeOrigin + now). */
  sentAt: number[];
  ackAt: number[];
}
interface Close {
  op: 'close';
}

const MARK = '"name":"k';
const now = () => performance.timeOrigin + performance.now();

interface Client {
  /** Request numbers and arrival times of the delivered events, in arrival order. */
  requests: number[];
  arrivals: number[];
  response?: IncomingMessage;
  endedBy?: string;
}

const clients: Client[] = [];
let cpu = process.cpuUsage();

function track(res: IncomingMessage, client: Client, joined: () => void): void {
  res.setEncoding('utf8');
  let carry = '';
  let hello = false;
  res.on('data', (chunk: string) => {
    const arrived = now();
    const s = carry + chunk;
    if (!hello && s.includes(': orgledger')) {
      hello = true;
      joined();
    }
    let from = 0;
    let open = -1;
    for (;;) {
      const m = s.indexOf(MARK, from);
      if (m < 0) break;
      const end = s.indexOf('"', m + MARK.length);
      if (end < 0) {
        open = m;
        break;
      }
      const request = Number(s.slice(m + MARK.length, end));
      client.requests.push(request);
      client.arrivals.push(arrived);
      from = end;
    }
    const error = s.indexOf('event: error', from);
    if (error >= 0) client.endedBy = /"code":"(\w+)"/.exec(s.slice(error))?.[1] ?? 'error';
    carry = open >= 0 ? s.slice(open) : s.slice(Math.max(from, s.length - MARK.length - 16));
  });
}

/** Connections opened at once: more would overflow the server's accept queue on a loaded machine. */
const WAVE = 100;

function connect(agent: Agent, msg: Open): Promise<void> {
  const client: Client = { requests: [], arrivals: [] };
  clients.push(client);
  return new Promise<void>((resolve, reject) => {
    const req = get(msg.url, { agent, headers: { authorization: `Bearer ${msg.key}`, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`the stream answered ${res.statusCode}`));
        return;
      }
      client.response = res;
      track(res, client, resolve);
      res.once('close', () => reject(new Error('the stream closed before it was joined')));
    });
    req.on('error', reject);
  });
}

async function open(msg: Open): Promise<void> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  for (let opened = 0; opened < msg.clients; opened += WAVE)
    await Promise.all(Array.from({ length: Math.min(WAVE, msg.clients - opened) }, () => connect(agent, msg)));
  cpu = process.cpuUsage();
}

function report(msg: Report) {
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  const perClientP99: number[] = [];
  let deliveries = 0;
  for (const c of clients) {
    const mine: number[] = [];
    for (let i = 0; i < c.requests.length; i++) {
      const r = c.requests[i] as number;
      const arrived = c.arrivals[i] as number;
      const ack = msg.ackAt[r];
      const sent = msg.sentAt[r];
      if (ack === undefined || sent === undefined) continue;
      deliveries++;
      // An event may reach a client before its request's answer reaches the ingester: lag 0 then.
      mine.push(Math.max(0, arrived - ack));
      fromSend.push(arrived - sent);
    }
    for (const l of mine) fromAck.push(l);
    if (mine.length > 0)
      perClientP99.push(
        percentile(
          mine.sort((a, b) => a - b),
          99,
        ),
      );
  }
  fromAck.sort((a, b) => a - b);
  fromSend.sort((a, b) => a - b);
  perClientP99.sort((a, b) => a - b);
  const used = process.cpuUsage(cpu);
  const ended: Record<string, number> = {};
  for (const c of clients) if (c.endedBy) ended[c.endedBy] = (ended[c.endedBy] ?? 0) + 1;
  const result = {
    deliveries,
    ackP50: percentile(fromAck, 50),
    ackP99: percentile(fromAck, 99),
    ackMax: fromAck.at(-1) ?? Number.NaN,
    sendP50: percentile(fromSend, 50),
    sendP99: percentile(fromSend, 99),
    worstClientP99: perClientP99.at(-1) ?? Number.NaN,
    ended,
    cpuSeconds: (used.user + used.system) / 1e6,
  };
  for (const c of clients) {
    c.requests = [];
    c.arrivals = [];
  }
  cpu = process.cpuUsage();
  return result;
}

export type TailClientsReport = ReturnType<typeof report>;

process.on('message', (msg: Open | Report | Close) => {
  if (msg.op === 'open')
    open(msg).then(
      () => process.send?.({ ok: true }),
      (err: unknown) => process.send?.({ ok: false, error: String(err) }),
    );
  else if (msg.op === 'report') process.send?.({ ok: true, report: report(msg) });
  else {
    for (const c of clients) c.response?.destroy();
    process.send?.({ ok: true });
    setTimeout(() => process.exit(0), 100);
  }
});
process.send?.({ ready: true });
