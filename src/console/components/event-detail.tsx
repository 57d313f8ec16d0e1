/**
 * The detail panel: actor, action, target and project as cards (names, ids, copy), the requested
 * changes as a before/after table, who ingested it (provenance), pivots to related events, and the whole event as JSON.
 */
import { useEffect, useRef } from 'preact/hooks';
import { type AuditLog, type AuditLogPage, api } from '../api.js';
import type { Directory } from '../directory.js';
import { fullTime, utcTime } from '../format.js';
import { actorRef, phraseOf, targetRef } from '../sentence.js';
import { useFetch } from '../use-fetch.js';
import { EventInclusion } from './event-inclusion.js';
import { EventProvenance } from './event-provenance.js';
import { CopyButton } from './status.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const show = (v: unknown): string => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** Links to the audit log narrowed to one filter (they keep nothing else of the current view). */
export type Pivot = { label: string; params: Record<string, string>; path?: string };

export function pivotsOf(e: AuditLog, dir: Directory): Pivot[] {
  const pivots: Pivot[] = [];
  const actor = actorRef(e, dir);
  if (actor) {
    pivots.push({ label: `All events by ${actor.label}`, params: { actor: actor.id } });
    pivots.push({ label: `Timeline of ${actor.label}`, params: { id: actor.id }, path: '/actor' });
  }
  const target = targetRef(e, dir);
  if (target) pivots.push({ label: `All events on ${target.label}`, params: { resource: target.id } });
  if (e.project?.id)
    pivots.push({ label: `All events in project ${dir.name(e.project.id) ?? e.project.name ?? e.project.id}`, params: { project: e.project.id } });
  pivots.push({
    label: 'Everything within 15 minutes',
    params: { range: 'custom', from: String(e.effective_at - 900), to: String(e.effective_at + 901), event: e.id },
  });
  return pivots;
}

/** The value each changed field had before: from the newest older event on the same target that set it. */
function previousValues(history: AuditLog[], keys: string[]): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const older of history) {
    const details = obj(older[older.type]);
    const set = { ...obj(details?.data), ...obj(details?.changes_requested) };
    for (const k of keys) if (!found.has(k) && k in set) found.set(k, set[k]);
  }
  return found;
}

function Card({ title, children }: { title: string; children: preact.ComponentChildren }) {
  return (
    <section class="fact-card">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function IdLine({ id }: { id: string }) {
  return (
    <div class="id-line">
      <code title={id}>{id}</code>
      <CopyButton text={id} label="Copy id" />
    </div>
  );
}

export function EventDetail({ event, dir, onClose, onPivot }: { event: AuditLog; dir: Directory; onClose: () => void; onPivot: (p: Pivot) => void }) {
  const panel = useRef<HTMLElement>(null);
  const json = JSON.stringify(event, null, 2);
  useEffect(() => {
    panel.current?.querySelector<HTMLElement>('h2')?.focus();
  }, [event.id]);
  const actor = actorRef(event, dir);
  const target = targetRef(event, dir);
  const changes = obj(obj(event[event.type])?.changes_requested);
  const changed = changes ? Object.keys(changes) : [];
  const recordsBefore = Boolean(obj(obj(event[event.type])?.previous_values));
  const history = useFetch<AuditLog[]>(changed.length && target && !recordsBefore ? `${event.id}` : '', async (signal) => {
    if (!changed.length || !target || recordsBefore) return [];
    const page = await api<AuditLogPage>('GET', 'audit_logs', { query: { resource_ids: [target.id], after: event.id, limit: 100 }, signal });
    return page.data;
  });
  // An event that records its own before (orgledger's retention changes: previous_values) needs no history.
  const own = obj(obj(event[event.type])?.previous_values);
  const before = own ? new Map(Object.entries(own)) : previousValues(history.data ?? [], changed);
  const projectId = event.project?.id;

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
      <div class="detail-scroll">
        <p class="when">
          <time dateTime={new Date(event.effective_at * 1000).toISOString()}>{fullTime(event.effective_at)}</time>
          <br />
          <span class="muted">{utcTime(event.effective_at)}</span>
        </p>
        <div class="fact-cards">
          <Card title="Actor">
            {actor ? (
              <>
                <strong data-testid="detail-actor">{actor.label}</strong>
                <span class="muted"> {actor.kindLabel}</span>
                <IdLine id={actor.id} />
                {actor.keyId && actor.keyId !== actor.id && (
                  <span class="muted small">
                    via key {dir.name(actor.keyId) ?? ''} <code>{actor.keyId}</code>
                  </span>
                )}
                {actor.ip && <span class="muted small">from {actor.ip}</span>}
              </>
            ) : (
              <span class="muted">Not recorded</span>
            )}
          </Card>
          <Card title="Action">
            <strong>{phraseOf(event.type)}</strong>
            <IdLine id={event.id} />
          </Card>
          <Card title="Target">
            {target ? (
              <>
                <strong data-testid="detail-target">{target.label}</strong>
                <span class="muted"> {target.kindLabel}</span>
                <IdLine id={target.id} />
              </>
            ) : (
              <span class="muted">None</span>
            )}
          </Card>
          <Card title="Project">
            {projectId ? (
              <>
                <strong data-testid="detail-project">{dir.name(projectId) ?? event.project?.name ?? projectId}</strong>
                <IdLine id={projectId} />
              </>
            ) : (
              <span class="muted">Organization-wide</span>
            )}
          </Card>
        </div>
        <EventProvenance eventId={event.id} dir={dir} />
        <EventInclusion event={event} />
        {changes && (
          <table class="changes" data-testid="changes">
            <caption>Requested changes</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Before</th>
                <th scope="col">After</th>
              </tr>
            </thead>
            <tbody>
              {changed.map((k) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td
                    class={before.has(k) ? '' : 'muted'}
                    title={own ? 'Recorded by the event' : before.has(k) ? 'From the previous event on this target' : 'No earlier event on this target set it'}
                  >
                    {history.loading && !own ? '…' : before.has(k) ? show(before.get(k)) : 'unknown'}
                  </td>
                  <td>{show(changes[k])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <nav class="pivots" aria-label="Related events">
          <h3>Related events</h3>
          <ul>
            {pivotsOf(event, dir).map((p) => (
              <li key={p.label}>
                <a
                  href={`${p.path ?? '/logs'}?${new URLSearchParams(p.params)}`}
                  onClick={(ev) => {
                    if (ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
                    ev.preventDefault();
                    onPivot(p);
                  }}
                >
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="json-tools">
          <span class="muted">Event JSON</span>
          <CopyButton text={json} label="Copy JSON" />
        </div>
        <pre class="json" data-testid="event-json">
          {json}
        </pre>
      </div>
    </aside>
  );
}
