/** A disclosure with the event types as checkboxes, grouped by resource, with a search box. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { eventTypeGroups } from '../event-types.js';

export function EventTypePicker({ selected, tenant, onChange }: { selected: string[]; tenant: boolean; onChange: (types: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const root = useRef<HTMLDivElement>(null);
  const chosen = new Set(selected);
  const groups = eventTypeGroups(tenant)
    .map((g) => ({ ...g, types: g.types.filter((t) => t.includes(search.trim().toLowerCase())) }))
    .filter((g) => g.types.length > 0);

  useEffect(() => {
    if (!open) return;
    const close = (e: Event) => {
      if (root.current && !root.current.contains(e.target as Node)) setOpen(false);
    };
    const onEscape = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setOpen(false);
      root.current?.querySelector<HTMLButtonElement>('button')?.focus();
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', onEscape);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', onEscape);
    };
  }, [open]);

  const toggle = (types: string[], on: boolean) => {
    const next = new Set(chosen);
    for (const t of types) on ? next.add(t) : next.delete(t);
    onChange([...next].sort());
  };
  const label = selected.length === 0 ? 'All event types' : selected.length === 1 ? selected[0] : `${selected.length} event types`;

  return (
    <div class="picker" ref={root}>
      <span class="field-label" id="types-label">
        Event type
      </span>
      <button type="button" class="picker-button" aria-expanded={open} aria-labelledby="types-label types-value" onClick={() => setOpen(!open)}>
        <span id="types-value">{label}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div class="picker-panel">
          <div class="picker-tools">
            <input type="search" placeholder="Search types" aria-label="Search event types" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
            <button type="button" onClick={() => onChange([])} disabled={selected.length === 0}>
              Clear
            </button>
          </div>
          <div class="picker-groups">
            {groups.map((g) => {
              const all = g.types.every((t) => chosen.has(t));
              const some = g.types.some((t) => chosen.has(t));
              return (
                <fieldset key={g.label}>
                  <legend>
                    <label>
                      <input
                        type="checkbox"
                        checked={all}
                        ref={(el) => {
                          if (el) el.indeterminate = some && !all;
                        }}
                        onChange={(e) => toggle(g.types, e.currentTarget.checked)}
                      />
                      {g.label}
                    </label>
                  </legend>
                  {g.types.map((t) => (
                    <label key={t} class="type-option">
                      <input type="checkbox" name="event_type" value={t} checked={chosen.has(t)} onChange={(e) => toggle([t], e.currentTarget.checked)} />
                      <code>{t}</code>
                    </label>
                  ))}
                </fieldset>
              );
            })}
            {groups.length === 0 && <p class="muted">No type matches “{search}”.</p>}
          </div>
        </div>
      )}
    </div>
  );
}
