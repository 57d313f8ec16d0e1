/**
 * The tamper-evident ledger: per log the latest signed checkpoint (tree size, root, when), the note
 * itself, the verifier key, and how to check them outside orgledger.
 */
import { api, apiText, type LedgerLog, type LedgerSummary } from '../api.js';
import { CopyButton, Empty, ErrorBox } from '../components/status.js';
import { fullTime, utcTime } from '../format.js';
import { CheckFailure, openCheckpoint, toBase64 } from '../ledger-check.js';
import { useFetch } from '../use-fetch.js';

const LOG_LABEL: Record<LedgerLog['name'], string> = { audit: 'Audit events', usage: 'Usage records and cost entries' };

/** The note's signature checked in this browser against the verifier key, and its size and root against the summary. */
function Signature({ note, log, verifierKey }: { note: string; log: LedgerLog; verifierKey: string }) {
  const check = useFetch<{ ok: true } | { ok: false; why: string }>(`${verifierKey}\n${note}`, async () => {
    try {
      const cp = await openCheckpoint(note, verifierKey);
      if (cp.origin !== log.origin) return { ok: false, why: `it is for ${cp.origin}, not ${log.origin}` };
      if (cp.treeSize !== log.tree_size || toBase64(cp.rootHash) !== log.root_hash)
        return { ok: false, why: 'its tree size or root differs from the summary above' };
      return { ok: true };
    } catch (err) {
      if (err instanceof CheckFailure) return { ok: false, why: err.message };
      throw err;
    }
  });
  const r = check.data;
  const state = check.error ? 'unavailable' : !r ? 'checking' : r.ok ? 'verified' : 'failed';
  return (
    <p class={`ledger-check small ${state}`} data-testid={`signature-${log.name}`} data-state={state} aria-live="polite">
      {state === 'checking' && <span class="muted">Checking the signature…</span>}
      {state === 'verified' && (
        <strong>
          <span aria-hidden="true">✓ </span>Signature verified in this browser with the verifier key above.
        </strong>
      )}
      {r && !r.ok && (
        <strong class="check-mark">
          <span aria-hidden="true">✗ </span>The signature does not verify: {r.why}.
        </strong>
      )}
      {check.error && <span>Could not check the signature: {check.error.message}</span>}
    </p>
  );
}

function Checkpoint({ log, verifierKey }: { log: LedgerLog; verifierKey: string }) {
  // The note is only asked for once the summary says one was signed (else the API answers 404).
  const note = useFetch<string | null>(`${log.name}:${log.tree_size}`, (signal) =>
    log.checkpoint_at === null ? Promise.resolve(null) : apiText(`ledger/${log.name}/checkpoint?tree_size=${log.tree_size}`, signal),
  );
  return (
    <section class="card ledger-log" data-log={log.name} aria-busy={note.loading} aria-labelledby={`log-${log.name}`}>
      <h2 id={`log-${log.name}`}>
        {LOG_LABEL[log.name]} <code class="muted">{log.name}</code>
      </h2>
      <dl class="facts">
        <dt>Tree size</dt>
        <dd data-testid={`tree-size-${log.name}`}>{log.tree_size.toLocaleString('en-US')}</dd>
        <dt>Last checkpoint</dt>
        <dd>
          {log.checkpoint_at === null ? (
            'none yet'
          ) : (
            <time dateTime={new Date(log.checkpoint_at * 1000).toISOString()} title={utcTime(log.checkpoint_at)}>
              {fullTime(log.checkpoint_at)}
            </time>
          )}
        </dd>
        <dt>Root hash</dt>
        <dd>
          <code class="wrap">{log.root_hash ?? '—'}</code>
        </dd>
        <dt>Origin</dt>
        <dd>
          <code class="wrap">{log.origin}</code>
        </dd>
      </dl>
      {note.error && <ErrorBox error={note.error} onRetry={note.reload} />}
      {log.checkpoint_at === null && <Empty>No checkpoint was signed for this log yet (the server signs one shortly after it grows).</Empty>}
      {note.data && (
        <>
          <h3>Signed checkpoint</h3>
          <pre class="json" data-testid={`checkpoint-${log.name}`}>
            {note.data}
          </pre>
          <CopyButton text={note.data} label="Copy checkpoint" />
          <Signature note={note.data} log={log} verifierKey={verifierKey} />
        </>
      )}
    </section>
  );
}

export function LedgerView() {
  const summary = useFetch<LedgerSummary>('ledger', (signal) => api<LedgerSummary>('GET', 'ledger', { signal }));
  const s = summary.data;
  return (
    <section class="view ledger" aria-labelledby="view-title" aria-busy={summary.loading}>
      <h1 id="view-title">Ledger</h1>
      <p class="muted">
        Every audit event and usage record is a leaf of an append-only Merkle log; orgledger signs a checkpoint of each log as it grows. A record changed or
        removed later no longer matches a signed root.
      </p>
      {summary.error && <ErrorBox error={summary.error} onRetry={summary.reload} />}
      {s && (
        <>
          <section class="card" aria-labelledby="vkey-title">
            <h2 id="vkey-title">Verifier key</h2>
            <p>
              <code class="wrap" data-testid="verifier-key">
                {s.verifier_key}
              </code>{' '}
              <CopyButton text={s.verifier_key} label="Copy key" />
            </p>
            <p class="muted">Publish it where auditors can find it: a checkpoint signed with another key is not this server's.</p>
          </section>
          {s.logs.map((log) => (
            <Checkpoint key={log.name} log={log} verifierKey={s.verifier_key} />
          ))}
          <section class="card" aria-labelledby="verify-title">
            <h2 id="verify-title">How to verify</h2>
            <ol class="steps">
              <li>
                Against the store: <code class="wrap">orgledger verify --data DIR --vkey '{s.verifier_key}'</code> rebuilds every log from the rows and checks
                each signed root (exit 1 names the record that differs).
              </li>
              <li>
                Without orgledger: the checkpoint is a C2SP signed note (Ed25519) that golang.org/x/mod/sumdb/note opens with the key above; the tiles under{' '}
                <code>/v1/organization/ledger/audit/tile/</code> rebuild the root with tlog.TreeHash.
              </li>
              <li>
                One event: <code>GET /v1/organization/ledger/audit/proof/inclusion?id=EVENT_ID</code> returns the path from its leaf (SHA-256 of 0x00 and the
                event's RFC 8785 JSON) to the root above.
              </li>
              <li>
                Over time: keep the checkpoints you copied; <code>proof/consistency?first=OLD&amp;second=NEW</code> shows the newer tree extends the older one.
              </li>
            </ol>
          </section>
        </>
      )}
    </section>
  );
}
