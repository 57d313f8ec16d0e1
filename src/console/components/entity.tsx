/** A name that stands for an id: the id on hover, a copy button where asked, a filter on click. */
import { CopyButton } from './status.js';

export function EntityName({
  id,
  label,
  kindLabel,
  onFilter,
  filterHint = 'click to filter',
  role,
  copy = false,
}: {
  id: string;
  label: string;
  kindLabel: string;
  onFilter?: () => void;
  /** What a click narrows to: a project named as a target filters on the target, not on "in project". */
  filterHint?: string;
  /** The part the name plays in a sentence (actor, target, project); tests and styles tell them apart by it. */
  role?: string;
  copy?: boolean;
}) {
  const title = `${kindLabel} · ${id}${onFilter ? ` · ${filterHint}` : ''}`;
  return (
    <span class="entity">
      {onFilter ? (
        <button
          type="button"
          class="ref"
          title={title}
          data-id={id}
          data-role={role}
          onClick={(e) => {
            e.stopPropagation();
            onFilter();
          }}
        >
          {label}
        </button>
      ) : (
        <span class="ref-text" title={title} data-id={id}>
          {label}
        </span>
      )}
      {copy && <CopyButton text={id} label="Copy id" />}
    </span>
  );
}
