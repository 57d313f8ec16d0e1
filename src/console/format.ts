/**
 * Formatting shared by the views: times (local with UTC alongside), numbers, money. The Intl formatters
 * are made on first use: the first one costs about 20 ms (ICU data), which would otherwise delay the
 * first paint; main.tsx warms them while the first request is in flight.
 */
function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= make();
    return value;
  };
}
const local = lazy(
  () => new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }),
);
const localDay = lazy(() => new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }));
const localHour = lazy(() => new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' }));
const integer = lazy(() => new Intl.NumberFormat('en-US'));
const compact = lazy(() => new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }));
const usd = lazy(() => new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 }));

const shortThisYear = lazy(() => new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' }));
const shortOtherYear = lazy(() => new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }));

/** A compact local time for table cells: seconds this year, the year otherwise (the full time is on hover). */
export function localTimeShort(seconds: number): string {
  const d = new Date(seconds * 1000);
  return (d.getFullYear() === new Date().getFullYear() ? shortThisYear() : shortOtherYear()).format(d);
}
export function localTime(seconds: number): string {
  return local().format(new Date(seconds * 1000));
}
export function utcTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().replace('T', ' ').replace('.000Z', '')} UTC`;
}
/** A bucket label: the UTC day for daily buckets, the local hour or minute otherwise. */
export function bucketLabel(seconds: number, width: number): string {
  if (width >= 86400) return localDay().format(new Date(seconds * 1000));
  return localHour().format(new Date(seconds * 1000));
}
export function utcDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}
export function formatInt(n: number): string {
  return integer().format(n);
}
export function formatCompact(n: number): string {
  return compact().format(n);
}
export function formatUsd(n: number): string {
  return usd().format(n);
}
export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
/** `datetime-local` input value <-> Unix seconds, in the browser's time zone. */
export function toLocalInput(seconds: number): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

const full = lazy(
  () =>
    new Intl.DateTimeFormat(undefined, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'short',
    }),
);
/** Date, time and time zone, in the browser's locale and zone: "Nov 29, 2026, 2:16:50 AM GMT+1". */
export function fullTime(seconds: number): string {
  return full().format(new Date(seconds * 1000));
}
const relative = lazy(() => new Intl.RelativeTimeFormat('en', { numeric: 'auto' }));
/** "5 minutes ago" for the last 24 hours; null for older times (the full time says it). */
export function recentTime(seconds: number, now = nowSeconds()): string | null {
  const ago = now - seconds;
  if (ago < 0 || ago >= 86400) return null;
  if (ago < 60) return 'just now';
  if (ago < 3600) return relative().format(-Math.floor(ago / 60), 'minute');
  return relative().format(-Math.floor(ago / 3600), 'hour');
}

/** Makes the formatters the first views use, so their cost falls in idle time rather than in a render. */
export function warmFormatters(): void {
  fullTime(0);
  recentTime(0, 120);
  formatUsd(0);
  formatInt(0);
}
