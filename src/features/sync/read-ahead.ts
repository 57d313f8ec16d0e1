/**
 * Ordered read-ahead: the reads of a stream's windows run a few at a time while the results are
 * consumed (and written) strictly in order, so cursors still only move forward over written data.
 * Upstream latency, not the local write, bounds a mirror; this overlaps the two.
 */
export async function* readAhead<T>(count: number, ahead: number, read: (index: number) => Promise<T>): AsyncGenerator<T> {
  const inFlight = new Map<number, Promise<T>>();
  let next = 0;
  for (let i = 0; i < count; i++) {
    while (next < count && next < i + Math.max(1, ahead)) {
      const p = read(next);
      // A read that fails while an earlier one is awaited must not count as unhandled; it is awaited in turn.
      p.catch(() => undefined);
      inFlight.set(next++, p);
    }
    const p = inFlight.get(i) as Promise<T>;
    inFlight.delete(i);
    yield await p;
  }
}
