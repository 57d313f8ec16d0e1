/** Command-line times: durations back from now (`7d`, `12h`, `30m`, `90s`, `2w`) or ISO dates. */
import { InvalidArgumentError } from 'commander';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** Seconds of a duration like `7d` or `1h30m`; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (!/^(\d+[smhdw])+$/.test(trimmed)) return null;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) total += Number(n) * (UNIT_SECONDS[unit as string] as number);
  return total;
}

/** Unix seconds of `7d` (ago), an ISO date or time, or plain Unix seconds. */
export function parseTime(text: string, nowSeconds = Math.floor(Date.now() / 1000)): number {
  const duration = parseDuration(text);
  if (duration !== null) return nowSeconds - duration;
  if (/^\d{9,11}$/.test(text.trim())) return Number(text.trim());
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) {
    const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? `${text.trim()}T00:00:00Z` : text.trim());
    if (!Number.isNaN(ms)) return Math.floor(ms / 1000);
  }
  throw new InvalidArgumentError(`'${text}' is neither a duration (7d, 12h, 30m) nor an ISO date (2026-01-31, 2026-01-31T12:00:00Z)`);
}

export function timeArg(text: string): number {
  return parseTime(text);
}

export function positiveInt(max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    return Number(text);
  };
}

export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}
