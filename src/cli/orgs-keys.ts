import { type Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config/config.js';
import { adminKeyWire } from '../features/keys/service.js';
import { ALL_SCOPES, type Scope } from '../features/keys/types.js';
import { RemoteApi } from './api-source.js';
import { configFrom, resolveOrg, type StoreOptions, withStore } from './context.js';
import { isoTime, printJson, table } from './output.js';

interface JsonOption extends StoreOptions {
  json?: boolean;
}

interface KeyCommandOptions extends JsonOption {
  url?: string;
  key?: string;
  org?: string;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the store to use [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--json', 'print machine-readable JSON (one object per line)');
}

/** keys commands work on a local store (--org) or on a running server (--url, --key: the key's organization). */
function keyOptions(cmd: Command): Command {
  return storeOptions(cmd)
    .option('--org <id-or-name>', 'organization of a local store, by id or unique name (default: the default organization)')
    .option('--url <url>', 'manage the keys of a running server through /v1/organization/admin_api_keys instead of a local store')
    .addOption(new Option('--key <key>', 'admin key for --url').env('OPENAI_ADMIN_KEY'));
}

/** The server to talk to, or null for the local store. */
function remoteOf(opts: KeyCommandOptions): RemoteApi | null {
  if (!opts.url) return null;
  if (!opts.key) throw new ConfigError('--url needs an admin key: --key or OPENAI_ADMIN_KEY');
  if (opts.org !== undefined) throw new ConfigError('--org is for a local store; over --url the admin key chooses the organization');
  if (opts.data || opts.databaseUrl) throw new ConfigError('--url and a local store (--data, --database-url) exclude each other');
  return new RemoteApi(opts.url, opts.key);
}

function parseScopes(value: string): Scope[] {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scopes)
    if (!(ALL_SCOPES as readonly string[]).includes(s)) throw new InvalidArgumentError(`unknown scope '${s}' (scopes: ${ALL_SCOPES.join(', ')})`);
  return scopes as Scope[];
}

function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

type WireKey = ReturnType<typeof adminKeyWire>;

async function listKeys(opts: KeyCommandOptions): Promise<WireKey[]> {
  const all: WireKey[] = [];
  let after: string | undefined;
  const remote = remoteOf(opts);
  const pages = async (
    page: (q: { limit: number; order: 'asc'; after?: string }) => Promise<{ data: WireKey[]; has_more: boolean; last_id: string | null }>,
  ) => {
    for (;;) {
      const p = await page({ limit: 100, order: 'asc', ...(after ? { after } : {}) });
      all.push(...p.data);
      if (!p.has_more || !p.last_id) return;
      after = p.last_id;
    }
  };
  if (remote) await pages((q) => remote.get('/organization/admin_api_keys', q));
  else
    await withStore(configFrom(opts), async (store, keys) => {
      const org = await resolveOrg(store, opts.org);
      await pages((q) => keys.list(org, q) as Promise<{ data: WireKey[]; has_more: boolean; last_id: string | null }>);
    });
  return all;
}

export function registerOrgsAndKeys(program: Command): void {
  const orgs = program
    .command('orgs')
    .description('Organizations in the store (local only: the Admin API has no organization operations, so there is no --url).');
  storeOptions(orgs.command('create').description('Create an organization and its first admin key (printed once). Names are unique.'))
    .requiredOption('--name <name>', 'organization name')
    .addHelpText('after', '\nExample:\n  orgledger orgs create --name "Acme Research" --json')
    .action(async (opts: JsonOption & { name: string }) => {
      await withStore(configFrom(opts), async (store, keys) => {
        const same = (await store.keys.listOrganizations()).find((o) => o.name === opts.name);
        if (same) throw new ConfigError(`an organization named '${opts.name}' already exists (${same.id})`);
        const { org, key } = await keys.createOrganization(opts.name);
        if (opts.json)
          printJson({ organization: { id: org.id, name: org.name, created_at: org.createdAt }, admin_key: { ...adminKeyWire(key.record), value: key.secret } });
        else process.stdout.write(`organization ${org.id} (${org.name})\nadmin key ${key.record.id}: ${key.secret}\n(the key is shown once; store it now)\n`);
      });
    });
  storeOptions(orgs.command('list').description('List organizations.')).action(async (opts: JsonOption) => {
    await withStore(configFrom(opts), async (store) => {
      const list = (await store.keys.listOrganizations()).map((o) => ({ id: o.id, name: o.name, created_at: o.createdAt }));
      if (opts.json) for (const o of list) printJson(o);
      else
        process.stdout.write(
          `${table(
            list.map((o) => ({ ...o, created_at: isoTime(o.created_at) })),
            ['id', 'name', 'created_at'],
          )}\n`,
        );
    });
  });

  const keysCmd = program.command('keys').description('Admin API keys of an organization, in a local store or on a running server (--url).');
  keyOptions(keysCmd.command('create').description('Create an admin API key (the secret is printed once).'))
    .requiredOption('--name <name>', 'key name')
    .option('--scopes <list>', `comma-separated subset of ${ALL_SCOPES.join(', ')} (default: all)`, parseScopes)
    .option('--expires-in <seconds>', 'seconds until the key expires', parsePositiveInt)
    .addHelpText(
      'after',
      '\nExamples:\n  orgledger keys create --name gateway --scopes audit_logs.write,usage.write\n  orgledger keys create --name ci --expires-in 86400 --json\n  orgledger keys create --name ci --url http://localhost:8080 --key sk-admin-...',
    )
    .action(async (opts: KeyCommandOptions & { name: string; scopes?: Scope[]; expiresIn?: number }) => {
      const remote = remoteOf(opts);
      let created: WireKey & { value: string };
      if (remote)
        created = await remote.request('POST', '/organization/admin_api_keys', {
          name: opts.name,
          ...(opts.scopes ? { scopes: opts.scopes } : {}),
          ...(opts.expiresIn ? { expires_in_seconds: opts.expiresIn } : {}),
        });
      else
        created = await withStore(configFrom(opts), async (store, keys) => {
          const made = await keys.createOperatorKey(await resolveOrg(store, opts.org), opts.name, opts.scopes ?? [...ALL_SCOPES], opts.expiresIn);
          return { ...adminKeyWire(made.record), value: made.secret };
        });
      if (opts.json) printJson(created);
      else process.stdout.write(`admin key ${created.id} (${(created.scopes ?? []).join(', ')}): ${created.value}\n(shown once; store it now)\n`);
    });
  keyOptions(keysCmd.command('list').description('List active admin API keys.')).action(async (opts: KeyCommandOptions) => {
    const all = await listKeys(opts);
    if (opts.json) for (const k of all) printJson(k);
    else {
      const rows = all.map((k) => ({
        ...k,
        created_at: isoTime(k.created_at),
        expires_at: isoTime(k.expires_at),
        last_used_at: isoTime(k.last_used_at),
        scopes: (k.scopes ?? []).join(','),
      }));
      process.stdout.write(`${table(rows, ['id', 'name', 'redacted_value', 'scopes', 'created_at', 'last_used_at', 'expires_at'])}\n`);
    }
  });
  keyOptions(keysCmd.command('revoke').description('Revoke an admin API key at once (recorded as api_key.deleted).'))
    .argument('<key_id>', 'the key id (key_...)')
    .action(async (keyId: string, opts: KeyCommandOptions) => {
      const remote = remoteOf(opts);
      if (remote) await remote.request('DELETE', `/organization/admin_api_keys/${encodeURIComponent(keyId)}`);
      else
        await withStore(configFrom(opts), async (store, keys) => {
          await keys.revoke(await keys.operatorPrincipal(await resolveOrg(store, opts.org)), keyId);
        });
      if (opts.json) printJson({ id: keyId, object: 'organization.admin_api_key.deleted', deleted: true });
      else process.stdout.write(`revoked ${keyId}\n`);
    });
}
