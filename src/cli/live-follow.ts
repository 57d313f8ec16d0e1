/**
 * `logs --follow` against a server: the live tail (GET /v1/organization/audit_logs/stream, Server-Sent
 * Events). The stream is opened before the recent events are listed, so nothing committed in between
 * is missed; events the listing already printed are skipped by id. A dropped connection (slow reader,
 * server restart) reconnects with Last-Event-ID, so no event is lost or repeated.
 */
import { encodeQuery, RemoteError } from './api-source.js';

type Event = Record<string, unknown>;

interface Message {
  id: string | undefined;
  event: string;
  data: string;
}

/** Splits an event stream into messages (id, event, data; comments are yielded as event 'comment'). */
async function* messages(body: ReadableStream<Uint8Array>): AsyncGenerator<Message> {
  const decoder = new TextDecoder();
  let buffer = '';
  let id: string | undefined;
  let event = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      if (line === '') {
        if (data.length > 0) yield { id, event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
      } else if (line.startsWith(':')) yield { id: undefined, event: 'comment', data: line.slice(1).trim() };
      else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  }
}

export interface LiveTail {
  /** Prints events as they arrive until stopped; skips the ids already shown. */
  run(shown: Set<string>, print: (e: Event) => void): Promise<void>;
}

/**
 * Opens the stream and waits until the server has joined it to the organization's live events.
 * Null when the server has no live tail (404: an older orgledger, or OpenAI itself): poll instead.
 */
export async function openLiveTail(base: string, key: string, query: Record<string, unknown>, signal: AbortSignal): Promise<LiveTail | null> {
  const qs = encodeQuery(query);
  const connect = async (lastId: string | undefined) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, accept: 'text/event-stream' };
    if (lastId !== undefined) headers['last-event-id'] = lastId;
    const res = await fetch(`${base}/v1/organization/audit_logs/stream${qs ? `?${qs}` : ''}`, { headers, signal });
    if (res.status === 404) return null;
    if (!res.ok || !res.body) {
      const text = await res.text();
      let message = text.slice(0, 200);
      try {
        message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
      } catch {}
      throw new RemoteError(res.status, `${res.status} from ${base}: ${message}`);
    }
    const stream = messages(res.body);
    // The first comment comes once the server has joined the stream to the live events.
    await stream.next();
    return stream;
  };
  let first: AsyncGenerator<Message> | null;
  try {
    first = await connect(undefined);
  } catch (err) {
    if (signal.aborted) return { run: async () => {} };
    if (err instanceof RemoteError) throw err;
    throw new Error(`cannot reach ${base}: ${(err as Error).message}`);
  }
  if (!first) return null;
  return {
    async run(shown, print) {
      let stream: AsyncGenerator<Message> | null = first;
      let lastId: string | undefined;
      while (!signal.aborted) {
        try {
          stream ??= await connect(lastId);
          if (!stream) throw new Error(`${base} no longer serves the live tail`);
          for await (const m of stream) {
            if (m.event === 'message') {
              lastId = m.id ?? lastId;
              const e = JSON.parse(m.data) as Event;
              if (!shown.delete(e.id as string)) print(e);
            } else if (m.event === 'error') {
              const error = (JSON.parse(m.data) as { error?: { code?: string; message?: string } }).error;
              if (error?.code === 'key_revoked') throw new RemoteError(401, `the server ended the stream: ${error.message}`);
              process.stderr.write(`the server ended the stream (${error?.code}); reconnecting\n`);
            }
          }
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof RemoteError) throw err;
          process.stderr.write(`live tail interrupted (${(err as Error).message}); reconnecting\n`);
        }
        stream = null;
        if (!signal.aborted) await new Promise((r) => setTimeout(r, 1000));
      }
    },
  };
}
