/** C2SP tlog-tiles paths: height-8 tiles, tile indexes as x001/x234/067, partial tiles as .p/<width>. */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 2 ** TILE_HEIGHT;

export interface TilePath {
  /** null for an entry bundle (tile/entries/...). */
  level: number | null;
  index: number;
  /** 1..255 for a partial tile, 256 for a full one. */
  width: number;
}

/** Parses the part of a tile URL after `tile/`; null when it is not a tile path. */
export function parseTilePath(path: string): TilePath | null {
  const m = /^(entries|\d{1,2})\/((?:x\d{3}\/)*)(\d{3})(?:\.p\/(\d{1,3}))?$/.exec(path);
  if (!m) return null;
  const level = m[1] === 'entries' ? null : Number(m[1]);
  if (level !== null && level > 6) return null;
  const digits = `${(m[2] as string).replace(/[x/]/g, '')}${m[3]}`;
  if (digits.length > 15) return null;
  const index = Number(digits);
  const width = m[4] === undefined ? TILE_WIDTH : Number(m[4]);
  if (m[4] !== undefined && (width < 1 || width >= TILE_WIDTH)) return null;
  return { level, index, width };
}

/** The x001/x234/067 form of a tile index. */
export function tileIndexPath(n: number): string {
  let s = String(n).padStart(3, '0');
  while (s.length % 3 !== 0) s = `0${s}`;
  const groups = s.match(/\d{3}/g) as string[];
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}
