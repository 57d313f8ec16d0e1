/** One audit event as a table row: full local time (UTC on hover), the event as a sentence, its type. */
import type { AuditLog } from '../api.js';
import type { Directory } from '../directory.js';
import { fullTime, recentTime, utcTime } from '../format.js';
import { type RefRole, sentence } from '../sentence.js';
import { EntityName } from './entity.js';

/** The audit-log filter (URL parameter) a reference narrows to. */
export const FILTER_PARAM: Record<RefRole, 'actor' | 'resource' | 'project'> = { actor: 'actor', target: 'resource', project: 'project' };
const FILTER_HINT: Record<RefRole, string> = {
  actor: 'click for events by this actor',
  target: 'click for events on this target',
  project: 'click for events in this project',
};

export function EventRow({
  event: e,
  dir,
  selected,
  now,
  onOpen,
  onFilter,
}: {
  event: AuditLog;
  dir: Directory;
  selected: boolean;
  now: number;
  onOpen: (opener: HTMLButtonElement | null) => void;
  onFilter: (param: 'actor' | 'resource' | 'project' | 'type', value: string) => void;
}) {
  const parts = sentence(e, dir);
  const recent = recentTime(e.effective_at, now);
  return (
    <tr
      data-id={e.id}
      data-type={e.type}
      class={selected ? 'selected' : ''}
      onClick={(ev) => onOpen((ev.currentTarget as HTMLElement).querySelector('button.open-event'))}
    >
      <td class="time">
        <time dateTime={new Date(e.effective_at * 1000).toISOString()} title={utcTime(e.effective_at)}>
          {fullTime(e.effective_at)}
        </time>
        {recent && <span class="recent muted"> · {recent}</span>}
      </td>
      <td class="sentence" data-testid="sentence">
        {parts.map((p, i) =>
          'text' in p ? (
            p.text
          ) : (
            <EntityName
              key={i}
              id={p.id}
              label={p.label}
              kindLabel={p.kindLabel}
              role={p.role}
              filterHint={FILTER_HINT[p.role]}
              onFilter={() => onFilter(FILTER_PARAM[p.role], p.id)}
            />
          ),
        )}
      </td>
      <td class="type">
        <button
          type="button"
          class="ref type-ref"
          title={`Show only ${e.type} events`}
          onClick={(ev) => {
            ev.stopPropagation();
            onFilter('type', e.type);
          }}
        >
          <code>{e.type}</code>
        </button>
      </td>
      <td class="open">
        <button type="button" class="link open-event" aria-label={`Details of ${e.type} event ${e.id}`}>
          Details
        </button>
      </td>
    </tr>
  );
}
