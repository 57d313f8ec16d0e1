/**
 * The event's place in the tamper-evident ledger, checked in this browser (ledger-check.ts): its leaf
 * index, and whether the event as served, its inclusion proof and the latest signed checkpoint agree.
 * Four outcomes, never a green that was not earned: verified; failed (with the reason); not yet covered
 * by a signed checkpoint (checked again shortly); could not check (the request failed, or the browser
 * has no Ed25519), which is neither.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type AuditLog, api, apiText, type LedgerSummary } from '../api.js';
import { CheckFailure, CheckUnsupported, checkInclusion, type InclusionProof, type Verified } from '../ledger-check.js';
import { useFetch } from '../use-fetch.js';

type Outcome =
  | { state: 'verified'; v: Verified; key: string }
  | { state: 'failed'; why: string; leafIndex: number | null }
  | { state: 'pending'; why: string }
  | { state: 'unavailable'; why: string };

async function check(event: AuditLog, signal: AbortSignal): Promise<Outcome> {
  const summary = await api<LedgerSummary>('GET', 'ledger', { signal });
  const audit = summary.logs.find((l) => l.name === 'audit');
  if (!audit) return { state: 'unavailable', why: 'The server reports no audit log.' };
  let proof: InclusionProof;
  try {
    // Against the latest signed checkpoint (the API's default size); the note of that same size follows.
    proof = await api<InclusionProof>('GET', 'ledger/audit/proof/inclusion', { query: { id: event.id }, signal });
  } catch (err) {
    if (err instanceof ApiError && err.param === 'tree_size' && (err.status === 400 || err.status === 404))
      return {
        state: 'pending',
        why: err.status === 404 ? 'No checkpoint of the audit log was signed yet.' : 'The latest signed checkpoint predates this event.',
      };
    if (err instanceof ApiError && err.status === 404 && err.param === 'id')
      return { state: 'failed', why: 'the ledger has no leaf for this event (it was not logged, or its record was rewritten)', leafIndex: null };
    throw err;
  }
  const note = await apiText(`ledger/audit/checkpoint?tree_size=${proof.tree_size}`, signal);
  try {
    const v = await checkInclusion({ event, proof, note, verifierKey: summary.verifier_key, origin: audit.origin });
    return { state: 'verified', v, key: summary.verifier_key };
  } catch (err) {
    if (err instanceof CheckFailure) return { state: 'failed', why: err.message, leafIndex: proof.leaf_index };
    if (err instanceof CheckUnsupported) return { state: 'unavailable', why: err.message };
    throw err;
  }
}

const RECHECKS = 5;

export function EventInclusion({ event }: { event: AuditLog }) {
  // Attempts count per event: opening another event starts again from 0.
  const [retry, setRetry] = useState({ id: event.id, n: 0 });
  const tries = retry.id === event.id ? retry.n : 0;
  const again = () => setRetry({ id: event.id, n: tries + 1 });
  const result = useFetch<Outcome>(`${event.id}:${tries}`, (signal) => check(event, signal));
  const data = result.loading ? null : result.data;
  // Checkpoints follow writes within about a second: look again a few times before asking the reader.
  useEffect(() => {
    if (data?.state !== 'pending' || tries >= RECHECKS) return;
    const timer = setTimeout(again, 1500);
    return () => clearTimeout(timer);
  }, [data, tries]);

  const outcome: Outcome | null = result.error ? { state: 'unavailable', why: result.error.message } : data;
  const state = outcome?.state ?? 'checking';
  return (
    <section
      class={`ledger-check small ${state}`}
      data-testid="ledger-check"
      data-state={state}
      data-leaf-index={
        outcome?.state === 'verified' ? String(outcome.v.leafIndex) : outcome?.state === 'failed' && outcome.leafIndex !== null ? String(outcome.leafIndex) : ''
      }
      aria-busy={state === 'checking' ? 'true' : 'false'}
      aria-live="polite"
    >
      <h3>Ledger</h3>
      {state === 'checking' && <span class="muted">Checking this event against the signed ledger…</span>}
      {outcome?.state === 'verified' && (
        <p>
          <strong class="check-mark">
            <span aria-hidden="true">✓ </span>Verified in this browser
          </strong>
          : leaf <strong data-testid="leaf-index">{outcome.v.leafIndex.toLocaleString('en-US')}</strong> of the audit log, included in the checkpoint of{' '}
          {outcome.v.treeSize.toLocaleString('en-US')} leaves signed by <code>{outcome.v.signer}</code> (root <code class="wrap">{outcome.v.root}</code>).{' '}
          <span class="muted">
            Checked against the verifier key this server publishes, <code class="wrap">{outcome.key}</code>: compare it with the one you keep.
          </span>
        </p>
      )}
      {outcome?.state === 'failed' && (
        <p role="alert">
          <strong class="check-mark">
            <span aria-hidden="true">✗ </span>Failed
          </strong>
          {outcome.leafIndex !== null && (
            <>
              {' '}
              (leaf <strong data-testid="leaf-index">{outcome.leafIndex.toLocaleString('en-US')}</strong>)
            </>
          )}
          : <span data-testid="ledger-check-reason">{outcome.why}</span>.
        </p>
      )}
      {outcome?.state === 'pending' && (
        <p>
          <strong>Not yet covered by a checkpoint.</strong> <span class="muted">{outcome.why}</span>{' '}
          {tries < RECHECKS ? (
            <span class="muted">Checking again shortly…</span>
          ) : (
            <button type="button" onClick={again}>
              Check again
            </button>
          )}
        </p>
      )}
      {outcome?.state === 'unavailable' && (
        <p>
          <strong>Could not check.</strong> <span data-testid="ledger-check-reason">{outcome.why}</span>{' '}
          <button type="button" onClick={again}>
            Retry
          </button>
        </p>
      )}
    </section>
  );
}
