/**
 * Runs `run` every `intervalMs`, each time `intervalMs` after the previous run settled (so runs never
 * overlap), until the returned function is called. A failed run goes to `onError` and the next one
 * is still scheduled. Used by the ledger's checkpoint and retention jobs.
 */
export function repeatEvery(intervalMs: number, run: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout;
  const tick = () => {
    run()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
