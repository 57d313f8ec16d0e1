import { type Command, InvalidArgumentError } from 'commander';
import { adminKeyWire, DEFAULT_ORG_ID } from '../features/keys/service.js';
import { ALL_SCOPES, type Scope } from '../features/keys/types.js';
import { configFrom, type StoreOptions, withStore } from './context.js';
import { isoTime, printJson, table } from './output.js';

interface JsonOption extends StoreOptions {
  json?: boolean;
}

function storeOptions(cmd: Command): Command {
  return cmd
    .option('--data <dir>', 'data directory of the embedded store [ORGLEDGER_DATA]')
    .option('--database-url <url>', 'the store to use [ORGLEDGER_DATABASE_URL]')
    .option('--config <file>', 'JSON config file [ORGLEDGER_CONFIG]')
    .option('--json', 'print machine-readable JSON');
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

export function registerOrgsAndKeys(program: Command): void {
  const orgs = program.command('orgs').description('Organizations in the store.');
  storeOptions(orgs.command('create').description('Create an organization and its first admin key (printed once).'))
    .requiredOption('--name <name>', 'organization name')
    .addHelpText('after', '\nExample:\n  orgledger orgs create --name "Acme Research" --json')
    .action(async (opts: JsonOption & { name: string }) => {
      await withStore(configFrom(opts), async (_store, keys) => {
        const { org, key } = await keys.createOrganization(opts.name);
        if (opts.json)
          printJson({ organization: { id: org.id, name: org.name, created_at: org.createdAt }, admin_key: { ...adminKeyWire(key.record), value: key.secret } });
        else process.stdout.write(`organization ${org.id} (${org.name})\nadmin key ${key.record.id}: ${key.secret}\n(the key is shown once; store it now)\n`);
      });
    });
  storeOptions(orgs.command('list').description('List organizations.')).action(async (opts: JsonOption) => {
    await withStore(configFrom(opts), async (store) => {
      const list = (await store.keys.listOrganizations()).map((o) => ({ id: o.id, name: o.name, created_at: o.createdAt }));
      if (opts.json) printJson(list);
      else
        process.stdout.write(
          `${table(
            list.map((o) => ({ ...o, created_at: isoTime(o.created_at) })),
            ['id', 'name', 'created_at'],
          )}\n`,
        );
    });
  });

  const keysCmd = program.command('keys').description('Admin API keys of an organization.');
  storeOptions(keysCmd.command('create').description('Create an admin API key (the secret is printed once).'))
    .requiredOption('--name <name>', 'key name')
    .option('--org <id>', 'organization', DEFAULT_ORG_ID)
    .option('--scopes <list>', `comma-separated subset of ${ALL_SCOPES.join(', ')} (default: all)`, parseScopes)
    .option('--expires-in <seconds>', 'seconds until the key expires', parsePositiveInt)
    .addHelpText(
      'after',
      '\nExamples:\n  orgledger keys create --name gateway --scopes audit_logs.write,usage.write\n  orgledger keys create --name ci --expires-in 86400 --json',
    )
    .action(async (opts: JsonOption & { name: string; org: string; scopes?: Scope[]; expiresIn?: number }) => {
      await withStore(configFrom(opts), async (_store, keys) => {
        const created = await keys.createOperatorKey(opts.org, opts.name, opts.scopes ?? [...ALL_SCOPES], opts.expiresIn);
        if (opts.json) printJson({ ...adminKeyWire(created.record), value: created.secret });
        else process.stdout.write(`admin key ${created.record.id} (${created.record.scopes.join(', ')}): ${created.secret}\n(shown once; store it now)\n`);
      });
    });
  storeOptions(keysCmd.command('list').description('List active admin API keys.'))
    .option('--org <id>', 'organization', DEFAULT_ORG_ID)
    .action(async (opts: JsonOption & { org: string }) => {
      await withStore(configFrom(opts), async (_store, keys) => {
        const all = [];
        let after: string | undefined;
        for (;;) {
          const page = await keys.list(opts.org, { limit: 100, order: 'asc', ...(after ? { after } : {}) });
          all.push(...page.data);
          if (!page.has_more || !page.last_id) break;
          after = page.last_id;
        }
        if (opts.json) printJson(all);
        else {
          const rows = all.map((k) => ({
            ...k,
            created_at: isoTime(k.created_at),
            expires_at: isoTime(k.expires_at),
            last_used_at: isoTime(k.last_used_at),
            scopes: k.scopes.join(','),
          }));
          process.stdout.write(`${table(rows, ['id', 'name', 'redacted_value', 'scopes', 'created_at', 'last_used_at', 'expires_at'])}\n`);
        }
      });
    });
  storeOptions(keysCmd.command('revoke').description('Revoke an admin API key at once (recorded as api_key.deleted).'))
    .argument('<key_id>', 'the key id (key_...)')
    .option('--org <id>', 'organization', DEFAULT_ORG_ID)
    .action(async (keyId: string, opts: JsonOption & { org: string }) => {
      await withStore(configFrom(opts), async (_store, keys) => {
        await keys.revoke(await keys.operatorPrincipal(opts.org), keyId);
        if (opts.json) printJson({ id: keyId, object: 'organization.admin_api_key.deleted', deleted: true });
        else process.stdout.write(`revoked ${keyId}\n`);
      });
    });
}
