/** Audit logs: newest first, cursor paging (after/before), filters in the URL, a detail panel. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { type AuditLogPage, api } from '../api.js';
import { type AuditFilters, apiQuery, filtersFromParams, hasFilters, PAGE_SIZE, paramsFromFilters, RANGE_PRESETS, TEXT_FILTERS } from '../audit-query.js';
import { EventDetail } from '../components/event-detail.js';
import { EventRow } from '../components/event-row.js';
import { EventTypePicker } from '../components/event-type-picker.js';
import { LiveToggle, useLiveTail } from '../components/live-toggle.js';
import { Empty, ErrorBox } from '../components/status.js';
import { useDirectory } from '../directory.js';
import { fromLocalInput, nowSeconds, toLocalInput } from '../format.js';
import { navigate, type Route } from '../router.js';
import { useFetch } from '../use-fetch.js';

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
          <td colSpan={4}>
            <span />
          </td>
        </tr>
      ))}
    </>
  );
}

export function AuditLogsView({ route }: { route: Route }) {
  const filters = filtersFromParams(route.params);
  // The open event is in the URL too (?event=), but opening one does not reload the list.
  const key = paramsFromFilters(filters).toString();
  const page = useFetch<AuditLogPage>(key, (signal) => api<AuditLogPage>('GET', 'audit_logs', { query: apiQuery(filters), signal }));
  // Names are asked for once the rows are in, so the first page never waits behind them.
  const dir = useDirectory(page.data !== null);
  const openId = route.params.get('event');
  const lastOpener = useRef<HTMLButtonElement | null>(null);
  const [now, setNow] = useState(nowSeconds);
  useEffect(() => setNow(nowSeconds()), [page.data]);

  const live = useLiveTail(filters, key);
  const rows = live.merge(page.data?.data ?? []);
  const selected = openId ? (rows.find((e) => e.id === openId) ?? null) : null;
  const setOpen = (id: string | null) => {
    const p = new URLSearchParams(route.params);
    if (id) p.set('event', id);
    else p.delete('event');
    navigate(route.path, p, Boolean(id && openId));
  };
  const filterBy = (param: 'actor' | 'resource' | 'project' | 'type', value: string) => {
    if (param === 'type') update(route, { types: [value] });
    else update(route, { text: { ...filters.text, [param]: value } });
  };
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
    setOpen(null);
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
                <th scope="col">Event</th>
                <th scope="col">Type</th>
                <th scope="col">
                  <span class="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody class={page.loading && page.data ? 'stale' : ''}>
              {!page.data && page.loading && <SkeletonRows />}
              {rows.map((e) => (
                <EventRow
                  key={e.id}
                  event={e}
                  dir={dir}
                  now={now}
                  selected={selected?.id === e.id}
                  onOpen={(opener) => {
                    lastOpener.current = opener;
                    setOpen(e.id);
                  }}
                  onFilter={filterBy}
                />
              ))}
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
        {selected && (
          <EventDetail event={selected} dir={dir} onClose={closeDetail} onPivot={(p) => navigate(p.path ?? route.path, new URLSearchParams(p.params))} />
        )}
        {openId && !selected && page.data && !page.loading && (
          <Empty>
            The linked event <code>{openId}</code> is not on this page of results.
          </Empty>
        )}
      </div>
    </section>
  );
}
