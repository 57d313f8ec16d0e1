/** A name that stands for an id: the id on hover, a copy button where asked, a filter on click. */
import { CopyButton } from './status.js';

export function EntityName({
  id,
  label,
  kindLabel,
  onFilter,
  copy = false,
}: {
  id: string;
  label: string;
  kindLabel: string;
  onFilter?: () => void;
  copy?: boolean;
}) {
  const title = `${kindLabel} · ${id}${onFilter ? ' · click to filter' : ''}`;
  return (
    <span class="entity">
      {onFilter ? (
        <button
          type="button"
          class="ref"
          title={title}
          data-id={id}
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
