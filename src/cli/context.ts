/** What every store-backed command shares: the validated config and an open store. */
import { type Config, ConfigError, loadConfig } from '../config/config.js';
import { DEFAULT_ORG_ID, KeyService } from '../features/keys/service.js';
import { systemClock } from '../lib/clock.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

export interface StoreOptions {
  data?: string;
  databaseUrl?: string;
  config?: string;
}

export function configFrom(opts: StoreOptions, flags: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig({ env: process.env, configFile: opts.config, flags: { dataDir: opts.data, databaseUrl: opts.databaseUrl, ...flags } });
}

export async function withStore<T>(config: Config, fn: (store: Store, keys: KeyService) => Promise<T>): Promise<T> {
  const store = openStore(config);
  try {
    return await fn(store, new KeyService(store, systemClock));
  } finally {
    await store.close();
  }
}

/**
 * The organization an `--org` names: an id, or a name that exactly one organization has. Without
 * `--org` the default organization (which a fresh store does not have yet: it reads as empty).
 */
export async function resolveOrg(store: Store, ref: string | undefined): Promise<string> {
  if (ref === undefined) return DEFAULT_ORG_ID;
  const orgs = await store.keys.listOrganizations();
  if (orgs.some((o) => o.id === ref)) return ref;
  const named = orgs.filter((o) => o.name === ref);
  if (named.length === 1) return (named[0] as { id: string }).id;
  if (named.length > 1)
    throw new ConfigError(`--org '${ref}' is ambiguous: ${named.length} organizations have that name (${named.map((o) => o.id).join(', ')}); pass the id`);
  throw new ConfigError(`--org '${ref}': no organization has this id or name (see 'orgledger orgs list')`);
}
