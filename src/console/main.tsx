/** The console's entry: sign-in gate, navigation, and the four views. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { setUnauthorizedHandler, storedKey, storeKey } from './api.js';
import { warmFormatters } from './format.js';
import { navigate, useRoute } from './router.js';
import './styles.css';
import { ActorView } from './views/actor.js';
import { AuditLogsView } from './views/audit-logs.js';
import { CostsView } from './views/costs.js';
import { KeysView } from './views/keys.js';
import { LedgerView } from './views/ledger.js';
import { OverviewView } from './views/overview.js';
import { SignIn } from './views/sign-in.js';
import { StreamsView } from './views/streams.js';
import { SyncView } from './views/sync.js';
import { UsageView } from './views/usage.js';

const VIEWS = [
  { path: '/overview', label: 'Overview', component: OverviewView },
  { path: '/logs', label: 'Audit logs', component: AuditLogsView },
  { path: '/usage', label: 'Usage', component: UsageView },
  { path: '/costs', label: 'Costs', component: CostsView },
  { path: '/ledger', label: 'Ledger', component: LedgerView },
  { path: '/streams', label: 'Streams', component: StreamsView },
  { path: '/sync', label: 'Sync', component: SyncView },
  { path: '/keys', label: 'Keys', component: KeysView },
] as const;

function App() {
  const [key, setKey] = useState(storedKey);
  const route = useRoute();
  useEffect(() => {
    setUnauthorizedHandler(() => {
      storeKey(null);
      setKey(null);
    });
  }, []);
  // Views reached from another view (not in the navigation).
  const view = [...VIEWS, { path: '/actor', label: 'Actor timeline', component: ActorView }].find((v) => v.path === route.path);
  useEffect(() => {
    if (key && !view) navigate('/overview', undefined, true);
  }, [key, view]);
  useEffect(() => {
    document.title = `${view?.label ?? 'Sign in'} · orgledger`;
  }, [view]);

  if (!key)
    return (
      <SignIn
        onSignedIn={(k) => {
          storeKey(k);
          setKey(k);
        }}
      />
    );
  const View = view?.component ?? OverviewView;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">orgledger</span>
        <nav aria-label="Views">
          {VIEWS.map((v) => (
            <a
              key={v.path}
              href={v.path}
              aria-current={v.path === route.path ? 'page' : undefined}
              onClick={(e) => {
                if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                e.preventDefault();
                navigate(v.path);
              }}
            >
              {v.label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          class="quiet signout"
          onClick={() => {
            storeKey(null);
            setKey(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">
        <View route={route} />
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  render(<App />, root);
  // The first view's request has left (use-fetch.ts); make the date and number formatters meanwhile.
  setTimeout(warmFormatters, 0);
}
