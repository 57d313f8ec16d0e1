/**
 * The audit view's live tail: GET /v1/organization/audit_logs/stream read through fetch (EventSource
 * cannot send the Authorization header), parsed as Server-Sent Events, reconnecting with Last-Event-ID
 * after a drop so no event is missed or shown twice.
 */
import { type AuditLog, type Query, queryString, storedKey } from './api.js';

export type LiveState = 'off' | 'connecting' | 'live' | 'error';

export interface LiveHandlers {
  onEvent(e: AuditLog): void;
  onState(state: LiveState, message?: string): void;
}

/** The list query without its paging: what the stream takes. */
export function streamQuery(list: Query): Query {
  const { limit: _limit, after: _after, before: _before, ...rest } = list;
  return rest;
}

interface Message {
  id?: string;
  event: string;
  data: string;
}

function parseBlock(block: string): Message | { comment: string } | null {
  const data: string[] = [];
  let event = 'message';
  let id: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) return { comment: line.slice(1).trim() };
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  return data.length > 0 ? { id, event, data: data.join('\n') } : null;
}

/** Follows the stream until close(); the handlers hear every event and each change of state. */
export function followAuditLogs(query: Query, handlers: LiveHandlers): { close(): void } {
  const controller = new AbortController();
  let lastId: string | undefined;
  const run = async () => {
    while (!controller.signal.aborted) {
      handlers.onState('connecting');
      try {
        const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${storedKey() ?? ''}` };
        if (lastId) headers['last-event-id'] = lastId;
        const res = await fetch(`/v1/organization/audit_logs/stream${queryString(query)}`, { headers, signal: controller.signal });
        if (!res.ok || !res.body) {
          const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
          handlers.onState('error', body?.error?.message ?? `The server answered ${res.status}.`);
          return;
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r/g, '');
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const m = parseBlock(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
            if (!m) continue;
            if ('comment' in m) {
              if (m.comment.startsWith('orgledger')) handlers.onState('live');
            } else if (m.event === 'error') {
              const error = (JSON.parse(m.data) as { error?: { code?: string; message?: string } }).error;
              if (error?.code === 'key_revoked') {
                handlers.onState('error', error.message);
                return;
              }
            } else {
              lastId = m.id ?? lastId;
              handlers.onEvent(JSON.parse(m.data) as AuditLog);
            }
          }
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      // Dropped (slow, restart, network): reconnect from the last event seen.
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return { close: () => controller.abort() };
}
