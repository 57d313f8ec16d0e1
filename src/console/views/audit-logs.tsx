/** Audit logs: newest first, cursor paging (after/before), filters in the URL, a detail panel. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { type AuditLog, type AuditLogPage, api } from '../api.js';
import { type AuditFilters, apiQuery, filtersFromParams, hasFilters, PAGE_SIZE, paramsFromFilters, RANGE_PRESETS, TEXT_FILTERS } from '../audit-query.js';
import { EventDetail } from '../components/event-detail.js';
import { EventTypePicker } from '../components/event-type-picker.js';
import { LiveToggle, useLiveTail } from '../components/live-toggle.js';
import { Empty, ErrorBox } from '../components/status.js';
import { fromLocalInput, localTime, localTimeShort, nowSeconds, toLocalInput, utcTime } from '../format.js';
import { navigate, type Route } from '../router.js';
import { useFetch } from '../use-fetch.js';

export function actorOf(e: AuditLog): { label: string; title: string } {
  const a = e.actor;
  if (a?.type === 'session' || (!a?.type && a?.session)) {
    const u = a.session?.user;
    return { label: u?.email ?? u?.id ?? 'session', title: [u?.id, a.session?.ip_address].filter(Boolean).join(' · ') };
  }
  if (a?.api_key) {
    const k = a.api_key;
    const who = k.type === 'service_account' ? k.service_account?.id : (k.user?.email ?? k.user?.id);
    return { label: who ?? k.id ?? 'API key', title: `API key ${k.id ?? ''}${k.user?.id ? ` · ${k.user.id}` : ''}` };
  }
  return { label: '—', title: '' };
}

export function targetOf(e: AuditLog): string {
  const details = e[e.type] as { id?: unknown; name?: unknown; email?: unknown } | undefined;
  if (!details || typeof details !== 'object') return '';
  const id = typeof details.id === 'string' ? details.id : '';
  const name = typeof details.name === 'string' ? details.name : typeof details.email === 'string' ? details.email : '';
  return name && id ? `${name} (${id})` : id || name;
}

function update(route: Route, change: Partial<AuditFilters>, keepCursor = false) {
  const next = { ...filtersFromParams(route.params), ...change };
  if (!keepCursor) {
    next.after = null;
    next.before = null;
  }
  navigate(route.path, paramsFromFilters(next));
}

function Filters({ route, filters }: { route: Route; filters: AuditFilters }) {
  return (
    <form
      class="filters"
      aria-label="Audit log filters"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const text = { ...filters.text };
        for (const { param } of TEXT_FILTERS) text[param] = String(form.get(param) ?? '');
        update(route, { text });
      }}
    >
      <EventTypePicker selected={filters.types} tenant={filters.tenant} onChange={(types) => update(route, { types })} />
      {TEXT_FILTERS.map((f) => (
        <label key={f.param} class="field">
          <span class="field-label">{f.label}</span>
          <input
            name={f.param}
            type="search"
            placeholder={f.placeholder}
            value={filters.text[f.param]}
            onChange={(e) => update(route, { text: { ...filters.text, [f.param]: e.currentTarget.value } })}
          />
        </label>
      ))}
      <label class="field">
        <span class="field-label">Time range</span>
        <select
          name="range"
          value={filters.range}
          onChange={(e) => {
            const range = e.currentTarget.value as AuditFilters['range'];
            const now = nowSeconds();
            update(route, range === 'custom' ? { range, from: filters.from ?? now - 86400, to: filters.to ?? now } : { range });
          }}
        >
          {RANGE_PRESETS.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </select>
      </label>
      {filters.range === 'custom' && (
        <>
          <label class="field">
            <span class="field-label">From (local)</span>
            <input
              type="datetime-local"
              name="from"
              value={filters.from === null ? '' : toLocalInput(filters.from)}
              onChange={(e) => update(route, { from: fromLocalInput(e.currentTarget.value) })}
            />
          </label>
          <label class="field">
            <span class="field-label">To (local)</span>
            <input
              type="datetime-local"
              name="to"
              value={filters.to === null ? '' : toLocalInput(filters.to)}
              onChange={(e) => update(route, { to: fromLocalInput(e.currentTarget.value) })}
            />
          </label>
        </>
      )}
      <label class="field check">
        <input type="checkbox" name="tenant" checked={filters.tenant} onChange={(e) => update(route, { tenant: e.currentTarget.checked, types: [] })} />
        <span>Tenant-scoped events</span>
      </label>
      <div class="filter-actions">
        <button type="submit">Apply</button>
        {hasFilters(filters) && (
          <button type="button" class="quiet" onClick={() => navigate(route.path, new URLSearchParams())}>
            Clear filters
          </button>
        )}
      </div>
    </form>
  );
}

function SkeletonRows() {
  return (
    <>
      {Array.from({ length: 12 }, (_, i) => (
        <tr key={i} class="skeleton">
          <td colSpan={5}>
            <span />
          </td>
        </tr>
      ))}
    </>
  );
}

export function AuditLogsView({ route }: { route: Route }) {
  const filters = filtersFromParams(route.params);
  const key = route.params.toString();
  const page = useFetch<AuditLogPage>(key, (signal) => api<AuditLogPage>('GET', 'audit_logs', { query: apiQuery(filters), signal }));
  const [selected, setSelected] = useState<AuditLog | null>(null);
  const lastOpener = useRef<HTMLButtonElement | null>(null);

  useEffect(() => setSelected(null), [key]);

  const live = useLiveTail(filters, key);
  const rows = live.merge(page.data?.data ?? []);
  // Which directions hold more events: has_more speaks for the direction of travel; the other
  // direction holds at least the page we came from.
  const newer = filters.before ? (page.data?.has_more ?? false) : Boolean(filters.after);
  const older = filters.before ? true : (page.data?.has_more ?? false);
  const go = (cursor: 'after' | 'before') => {
    const id = cursor === 'after' ? page.data?.last_id : page.data?.first_id;
    if (!id) return;
    update(route, { after: cursor === 'after' ? id : null, before: cursor === 'before' ? id : null }, true);
  };
  const closeDetail = () => {
    setSelected(null);
    lastOpener.current?.focus();
  };

  return (
    <section class="view audit" aria-labelledby="view-title">
      <h1 id="view-title">Audit logs</h1>
      <Filters route={route} filters={filters} />
      <LiveToggle live={live} />
      <div class={`audit-body ${selected ? 'with-detail' : ''}`}>
        <div class="table-wrap">
          {page.error && <ErrorBox error={page.error} onRetry={page.reload} />}
          <table class="events" aria-busy={page.loading} aria-label="Audit log events, newest first">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Event</th>
                <th scope="col">Target</th>
                <th scope="col">Project</th>
              </tr>
            </thead>
            <tbody class={page.loading && page.data ? 'stale' : ''}>
              {!page.data && page.loading && <SkeletonRows />}
              {rows.map((e) => {
                const actor = actorOf(e);
                return (
                  <tr
                    key={e.id}
                    data-id={e.id}
                    class={selected?.id === e.id ? 'selected' : ''}
                    onClick={(ev) => {
                      lastOpener.current = (ev.currentTarget as HTMLElement).querySelector('button');
                      setSelected(e);
                    }}
                  >
                    <td class="time">
                      <time dateTime={new Date(e.effective_at * 1000).toISOString()} title={`${localTime(e.effective_at)} · ${utcTime(e.effective_at)}`}>
                        {localTimeShort(e.effective_at)}
                      </time>
                    </td>
                    <td class="actor" title={actor.title}>
                      {actor.label}
                    </td>
                    <td class="event">
                      <button type="button" class="link" aria-label={`Open ${e.type} event ${e.id}`}>
                        {e.type}
                      </button>
                    </td>
                    <td class="target">{targetOf(e)}</td>
                    <td class="project" title={e.project?.id ?? ''}>
                      {e.project?.name ?? e.project?.id ?? ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {page.data && rows.length === 0 && !page.loading && (
            <Empty>
              {hasFilters(filters) ? 'No events match these filters.' : 'No audit events yet.'}
              {(filters.after || filters.before) && ' (You paged past the end.)'}
            </Empty>
          )}
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={!newer || page.loading} onClick={() => go('before')}>
              ← Newer
            </button>
            <span class="muted" aria-live="polite">
              {page.loading
                ? 'Loading…'
                : rows.length
                  ? `${rows.length} ${rows.length === 1 ? 'event' : 'events'}${rows.length === PAGE_SIZE ? ' on this page' : ''}`
                  : ''}
            </span>
            <button type="button" disabled={!older || page.loading} onClick={() => go('after')}>
              Older →
            </button>
          </nav>
        </div>
        {selected && <EventDetail event={selected} onClose={closeDetail} />}
      </div>
    </section>
  );
}
