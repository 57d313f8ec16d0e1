/** The detail panel: the whole event as formatted JSON, with a copy button. */
import { useEffect, useRef } from 'preact/hooks';
import type { AuditLog } from '../api.js';
import { localTime, utcTime } from '../format.js';
import { CopyButton } from './status.js';

export function EventDetail({ event, onClose }: { event: AuditLog; onClose: () => void }) {
  const panel = useRef<HTMLElement>(null);
  const json = JSON.stringify(event, null, 2);
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [event.id]);
  return (
    <aside
      class="detail"
      aria-labelledby="detail-title"
      ref={panel}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <header>
        <h2 id="detail-title" tabIndex={-1}>
          <code>{event.type}</code>
        </h2>
        <button type="button" class="close" onClick={onClose} aria-label="Close event details">
          ✕
        </button>
      </header>
      <dl class="facts">
        <dt>Id</dt>
        <dd>
          <code>{event.id}</code>
        </dd>
        <dt>Time</dt>
        <dd>
          {localTime(event.effective_at)} <span class="muted">({utcTime(event.effective_at)})</span>
        </dd>
      </dl>
      <div class="json-tools">
        <span class="muted">Event JSON</span>
        <CopyButton text={json} label="Copy JSON" />
      </div>
      <pre class="json" data-testid="event-json">
        {json}
      </pre>
    </aside>
  );
}
