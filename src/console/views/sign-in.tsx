/** Sign in with an admin key: checked against the API, then kept in sessionStorage only. */
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';

export function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main class="signin">
      <form
        aria-labelledby="signin-title"
        onSubmit={async (e) => {
          e.preventDefault();
          const key = String(new FormData(e.currentTarget).get('key') ?? '').trim();
          if (!key) return setError('Enter an admin key.');
          setBusy(true);
          setError(null);
          try {
            await api('GET', 'audit_logs', { key, query: { limit: 1 } });
            onSignedIn(key);
          } catch (err) {
            // A key without audit_logs.read is still a key: the views say what it may not see.
            if (err instanceof ApiError && err.status === 403) onSignedIn(key);
            else setError(err instanceof ApiError && err.status === 401 ? 'That admin key is not valid (or was revoked).' : (err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 id="signin-title">orgledger</h1>
        <p class="muted">Sign in with an admin key. It stays in this browser tab only and is forgotten when you sign out or close the tab.</p>
        <label class="field">
          <span class="field-label">Admin key</span>
          <input name="key" type="password" autoComplete="off" spellcheck={false} placeholder="sk-admin-…" required aria-invalid={error ? true : undefined} />
        </label>
        <p class="form-error" role="alert">
          {error ?? ''}
        </p>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
