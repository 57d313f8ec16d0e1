/**
 * The exact text of each element of a top-level array member (`data` of a list page), so a mirrored
 * event is stored byte for byte as the upstream sent it rather than re-serialized.
 */
export function rawArrayItems(text: string, key: string): string[] {
  const needle = JSON.stringify(key);
  let depth = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && text.slice(i, end) === needle) {
        let j = end;
        while (j < n && /\s|:/.test(text[j] as string)) j++;
        if (text[j] === '[') return items(text, j);
      }
      i = end;
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return [];
}

/** Index just past the string literal starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}

function items(text: string, open: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let i = open + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      if (start < 0) start = i;
      i = stringEnd(text, i);
      continue;
    }
    if (depth === 0 && (c === ',' || c === ']')) {
      if (start >= 0) out.push(text.slice(start, i).trimEnd());
      start = -1;
      if (c === ']') return out;
      i++;
      continue;
    }
    if (start < 0 && !/\s/.test(c)) start = i;
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return out;
}
