/** Admin keys: list, create (the secret shown once, with copy), revoke (with a confirmation step). */
import { useState } from 'preact/hooks';
import { type AdminKey, api, type KeyPage } from '../api.js';
import { CopyButton, Empty, ErrorBox } from '../components/status.js';
import { localTimeShort, utcTime } from '../format.js';
import { useFetch } from '../use-fetch.js';

const SCOPES = ['audit_logs.read', 'audit_logs.write', 'usage.read', 'usage.write', 'admin_api_keys.manage'];

async function allKeys(signal: AbortSignal): Promise<AdminKey[]> {
  const keys: AdminKey[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: KeyPage = await api<KeyPage>('GET', 'admin_api_keys', { query: { limit: 100, after }, signal });
    keys.push(...page.data);
    if (!page.has_more || !page.last_id) break;
    after = page.last_id;
  }
  return keys;
}

function CreateKey({ onCreated }: { onCreated: (key: AdminKey) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="card create-key"
      aria-labelledby="create-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const data = new FormData(form);
        const scopes = data.getAll('scope').map(String);
        if (scopes.length === 0) return setError('Choose at least one scope.');
        setBusy(true);
        setError(null);
        try {
          const created = await api<AdminKey>('POST', 'admin_api_keys', { body: { name: String(data.get('name') ?? '').trim(), scopes } });
          form.reset();
          onCreated(created);
        } catch (err) {
          setError((err as Error).message);
        } finally {
          setBusy(false);
        }
      }}
    >
      <h2 id="create-title">Create a key</h2>
      <label class="field">
        <span class="field-label">Name</span>
        <input name="name" required maxLength={256} placeholder="e.g. SIEM export" />
      </label>
      <fieldset class="scopes">
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label key={s}>
            <input type="checkbox" name="scope" value={s} defaultChecked={s.endsWith('.read')} /> <code>{s}</code>
          </label>
        ))}
      </fieldset>
      <p class="form-error" role="alert">
        {error ?? ''}
      </p>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}

function NewSecret({ created, onDone }: { created: AdminKey; onDone: () => void }) {
  return (
    <div class="card secret" role="status" aria-labelledby="secret-title">
      <h2 id="secret-title">Key “{created.name}” created</h2>
      <p>Copy the secret now: it is shown only once and cannot be recovered.</p>
      <div class="secret-row">
        <code data-testid="new-secret">{created.value}</code>
        <CopyButton text={created.value ?? ''} label="Copy secret" />
      </div>
      <button type="button" class="primary" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function RevokeButton({ keyId, name, onRevoked }: { keyId: string; name: string; onRevoked: () => void }) {
  const [stage, setStage] = useState<'idle' | 'confirm' | 'busy'>('idle');
  const [error, setError] = useState<string | null>(null);
  if (stage === 'idle')
    return (
      <button type="button" class="danger-quiet" onClick={() => setStage('confirm')} aria-label={`Revoke ${name}`}>
        Revoke
      </button>
    );
  return (
    <span class="confirm">
      <button
        type="button"
        class="danger"
        disabled={stage === 'busy'}
        onClick={async () => {
          setStage('busy');
          try {
            await api('DELETE', `admin_api_keys/${encodeURIComponent(keyId)}`);
            onRevoked();
          } catch (err) {
            setError((err as Error).message);
            setStage('confirm');
          }
        }}
      >
        Confirm revoke
      </button>
      <button type="button" class="quiet" onClick={() => setStage('idle')}>
        Cancel
      </button>
      {error && <span class="form-error">{error}</span>}
    </span>
  );
}

export function KeysView() {
  const [version, setVersion] = useState(0);
  const keys = useFetch(`keys-${version}`, allKeys);
  const [created, setCreated] = useState<AdminKey | null>(null);
  const refresh = () => setVersion((v) => v + 1);
  return (
    <section class="view keys" aria-labelledby="view-title">
      <h1 id="view-title">Admin keys</h1>
      <div class="keys-layout">
        <div class="table-wrap">
          {keys.error && <ErrorBox error={keys.error} onRetry={keys.reload} />}
          <table class="key-table" aria-busy={keys.loading}>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(keys.data ?? []).map((k) => (
                <tr key={k.id} data-id={k.id}>
                  <td>{k.name ?? <span class="muted">unnamed</span>}</td>
                  <td>
                    <code title={k.id}>{k.redacted_value}</code>
                  </td>
                  <td class="scopes-cell">{(k.scopes ?? []).join(', ')}</td>
                  <td title={utcTime(k.created_at)}>{localTimeShort(k.created_at)}</td>
                  <td title={k.last_used_at ? utcTime(k.last_used_at) : ''}>
                    {k.last_used_at ? localTimeShort(k.last_used_at) : <span class="muted">never</span>}
                  </td>
                  <td>
                    <RevokeButton keyId={k.id} name={k.name ?? k.id} onRevoked={refresh} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {keys.data && keys.data.length === 0 && <Empty>No admin keys.</Empty>}
        </div>
        {created ? (
          <NewSecret created={created} onDone={() => setCreated(null)} />
        ) : (
          <CreateKey
            onCreated={(k) => {
              setCreated(k);
              refresh();
            }}
          />
        )}
      </div>
    </section>
  );
}
