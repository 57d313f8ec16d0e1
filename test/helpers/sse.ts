/**
 * A minimal Server-Sent Events reader over fetch (the WHATWG event-stream parsing rules: id, event,
 * data, comments), for the live-tail tests: waits for messages by predicate, never by sleeping.
 */
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseStream {
  status: number;
  headers: Headers;
  messages: SseMessage[];
  comments: string[];
  /** Resolves with the first message (already received or later) matching `pred`. */
  next(pred: (m: SseMessage) => boolean): Promise<SseMessage>;
  /** Resolves when a comment matching `pred` arrives. */
  comment(pred: (c: string) => boolean): Promise<string>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, key: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  let waiters: (() => void)[] = [];
  const notify = () => {
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  let done = false;
  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let id: string | undefined;
    let event = '';
    let data: string[] = [];
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).replace(/\r$/, '');
          buffer = buffer.slice(nl + 1);
          if (line === '') {
            if (data.length > 0) messages.push({ id, event: event || 'message', data: data.join('\n') });
            event = '';
            data = [];
            notify();
          } else if (line.startsWith(':')) {
            comments.push(line.slice(1).trim());
            notify();
          } else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') id = value;
            else if (field === 'event') event = value;
            else if (field === 'data') data.push(value);
          }
          nl = buffer.indexOf('\n');
        }
      }
    } catch {
      // aborted by close()
    } finally {
      done = true;
      notify();
    }
  })();
  const waitFor = <T>(find: () => T | undefined, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return resolve(found);
        if (done) return reject(new Error(`stream ended before ${what}`));
        waiters.push(check);
      };
      check();
    });
  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    next: (pred) => waitFor(() => messages.find(pred), 'the expected message'),
    comment: (pred) => waitFor(() => comments.find(pred), 'the expected comment'),
    ended,
    close: () => controller.abort(),
  };
}
