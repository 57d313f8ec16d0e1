/**
 * The query-string parser for every route. It folds the encodings real clients send into one shape
 * the route schemas validate:
 *   x[]=a&x[]=b (the openai SDK, brackets percent-encoded), x=a&x=b (curl, requests), x[0]=a (qs
 *   indices)  ->  { x: ['a', 'b'] }  (a lone x=a stays a string; schemas coerce it to an array)
 *   effective_at[gte]=1  ->  { effective_at: { gte: '1' } }
 * Empty values (`after=`, which the SDK sends for null) count as absent. There is no limit on the
 * number of values (qs would turn more than 20 into an object).
 */
export type ParsedQuery = Record<string, string | string[] | Record<string, string>>;

const BRACKETED = /^([^[\]]+)\[([^[\]]*)\]$/;

export function parseQueryString(raw: string): ParsedQuery {
  const out: ParsedQuery = Object.create(null) as ParsedQuery;
  const params = new URLSearchParams(raw);
  for (const [rawKey, value] of params) {
    if (value === '') continue;
    const match = BRACKETED.exec(rawKey);
    if (!match) {
      append(out, rawKey, value, false);
      continue;
    }
    const [, name, inner] = match as unknown as [string, string, string];
    if (inner === '' || /^\d+$/.test(inner)) {
      append(out, name, value, true);
    } else {
      const current = out[name];
      const obj = current && typeof current === 'object' && !Array.isArray(current) ? current : (Object.create(null) as Record<string, string>);
      obj[inner] = value;
      out[name] = obj;
    }
  }
  return out;
}

function append(out: ParsedQuery, name: string, value: string, forceArray: boolean): void {
  const current = out[name];
  if (current === undefined) out[name] = forceArray ? [value] : value;
  else if (Array.isArray(current)) current.push(value);
  else if (typeof current === 'string') out[name] = [current, value];
  // a name used both as an object (x[k]=) and a scalar keeps the object; validation reports it
}
