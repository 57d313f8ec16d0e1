/** The audit view's Live switch and the state behind it (see ../live-tail.ts). */
import { useEffect, useState } from 'preact/hooks';
import type { AuditLog } from '../api.js';
import { type AuditFilters, apiQuery } from '../audit-query.js';
import { followAuditLogs, type LiveState, streamQuery } from '../live-tail.js';

/** Newest events kept on screen above the page. */
const KEEP = 500;

export interface Live {
  on: boolean;
  setOn(on: boolean): void;
  state: LiveState;
  message: string | undefined;
  /** The page's rows with the live events on top (only on the newest page, without duplicates). */
  merge(rows: AuditLog[]): AuditLog[];
}

export function useLiveTail(filters: AuditFilters, key: string): Live {
  const [on, setOn] = useState(false);
  const [events, setEvents] = useState<AuditLog[]>([]);
  const [state, setState] = useState<LiveState>('off');
  const [message, setMessage] = useState<string | undefined>(undefined);
  const newest = !filters.after && !filters.before;
  useEffect(() => {
    setEvents([]);
    if (!on || !newest) {
      setState('off');
      return;
    }
    const handle = followAuditLogs(streamQuery(apiQuery(filters)), {
      onEvent: (e) => setEvents((prev) => [e, ...prev].slice(0, KEEP)),
      onState: (s, m) => {
        setState(s);
        setMessage(m);
      },
    });
    return () => handle.close();
    // The filters are in `key` (the URL's query).
  }, [on, newest, key]);
  return {
    on,
    setOn,
    state,
    message,
    merge: (rows) => {
      if (!on || !newest || events.length === 0) return rows;
      const ids = new Set(events.map((e) => e.id));
      return [...events, ...rows.filter((r) => !ids.has(r.id))];
    },
  };
}

const LABELS: Record<LiveState, string> = { off: '', connecting: 'Connecting…', live: 'Live: new events appear on top', error: 'Live tail stopped' };

export function LiveToggle({ live }: { live: Live }) {
  return (
    <div class="live-toggle">
      <label class="field check">
        <input type="checkbox" role="switch" aria-checked={live.on} name="live" checked={live.on} onChange={(e) => live.setOn(e.currentTarget.checked)} />
        <span>Live</span>
      </label>
      <span class={`muted live-state ${live.state}`} role="status" aria-live="polite" data-state={live.state}>
        {live.state === 'error' && live.message ? `${LABELS.error}: ${live.message}` : LABELS[live.state]}
      </span>
    </div>
  );
}
