/**
 * The one typed configuration. Sources, later winning: defaults < JSON config file (--config or
 * ORGLEDGER_CONFIG) < ORGLEDGER_* environment < command-line flags. Validated once here; nothing
 * else reads process.env.
 *
 * Every setting is declared once, in SETTINGS: its environment variable, its default and its parser.
 * The Config type, the defaults and the environment names are all derived from that table.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses one raw value (a string from the environment or a flag, or a JSON value from the file); `name` says where it came from. */
type Parser<T> = (name: string, value: unknown) => T;

function int(min: number, max: number): Parser<number> {
  return (name, value) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
    return n;
  };
}

const bool: Parser<boolean> = (name, value) => {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|1|yes)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false (got ${JSON.stringify(value)})`);
};

const str: Parser<string> = (name, value) => {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${name} must be a non-empty string`);
  return value;
};

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** A SQLite path, or a postgres:// URL that must parse and name a host (checked here so a typo fails at start). */
const databaseUrl: Parser<string> = (name, value) => {
  const v = str(name, value);
  if (!POSTGRES_URL.test(v)) return v;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new ConfigError(`${name} is not a valid PostgreSQL URL (expected postgres://user:password@host:5432/database)`);
  }
  if (!url.hostname) throw new ConfigError(`${name} must name a host (expected postgres://user:password@host:5432/database)`);
  return v;
};

const adminKey: Parser<string> = (name, value) => {
  const key = str(name, value);
  if (key.length < 20 || /\s/.test(key)) throw new ConfigError(`${name} must be at least 20 characters without spaces`);
  return key;
};

function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (name, value) => {
    const v = typeof value === 'string' ? value.trim() : value;
    const found = allowed.find((a) => typeof v === 'string' && a.toLowerCase() === v.toLowerCase());
    if (!found) throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return found;
  };
}

interface Setting<T> {
  env: string;
  default: T;
  parse: Parser<T>;
}

function setting<T>(env: string, defaultValue: NoInfer<T>, parse: Parser<NonNullable<T>>): Setting<T> {
  return { env, default: defaultValue, parse: parse as Parser<T> };
}

/** Every setting: its environment variable, default and parser (documented in README.md and docs/operators.md). */
const SETTINGS = {
  host: setting('ORGLEDGER_HOST', '127.0.0.1', str),
  port: setting('ORGLEDGER_PORT', 8080, int(0, 65535)),
  dataDir: setting('ORGLEDGER_DATA', './data', str),
  /** A SQLite file path (or sqlite: URL), or a postgres:// URL for the PostgreSQL engine. */
  databaseUrl: setting<string | undefined>('ORGLEDGER_DATABASE_URL', undefined, databaseUrl),
  /** A secret serve makes sure exists as an admin key of the default organization. */
  adminKey: setting<string | undefined>('ORGLEDGER_ADMIN_KEY', undefined, adminKey),
  logLevel: setting<(typeof LOG_LEVELS)[number]>('ORGLEDGER_LOG_LEVEL', 'info', oneOf(LOG_LEVELS)),
  autoMigrate: setting('ORGLEDGER_AUTO_MIGRATE', true, bool),
  sqliteSynchronous: setting<'FULL' | 'NORMAL'>('ORGLEDGER_SQLITE_SYNCHRONOUS', 'FULL', oneOf(['FULL', 'NORMAL'] as const)),
  /** PRAGMA quick_check of the SQLite file at start; false skips it (very large stores start faster). */
  sqliteQuickCheck: setting('ORGLEDGER_SQLITE_QUICK_CHECK', true, bool),
  bodyLimitBytes: setting('ORGLEDGER_BODY_LIMIT_BYTES', 32 * 1024 * 1024, int(1024, 1024 * 1024 * 1024)),
  /** Writes sharing one group commit at most. */
  maxBatchJobs: setting('ORGLEDGER_MAX_BATCH_JOBS', 2000, int(1, 100000)),
  /** Queued writes beyond which ingest answers 429. */
  maxPendingWrites: setting('ORGLEDGER_MAX_PENDING_WRITES', 20000, int(1, 10000000)),
  /** A price file of the user's, overlaid on the shipped data-files/prices.json. */
  pricesFile: setting<string | undefined>('ORGLEDGER_PRICES_FILE', undefined, str),
  /** OTLP receiver: where project, user and API key come from (JSON, see docs/otlp.md); unset keeps the defaults. */
  otlpAttributeMap: setting<string | undefined>('ORGLEDGER_OTLP_ATTRIBUTE_MAP', undefined, str),
  /** PostgreSQL: connections in the pool (one is held by the group commit while a batch runs). */
  pgPoolSize: setting('ORGLEDGER_PG_POOL_SIZE', 10, int(2, 1000)),
  /** PostgreSQL: page workers that build usage and costs pages off the event loop, one connection each out of the pool (at most half of it; 0: on the main thread). */
  pgReaders: setting('ORGLEDGER_PG_READERS', 2, int(0, 64)),
  /** PostgreSQL: how long start-up waits for a database that is not answering yet. */
  pgConnectWaitSeconds: setting('ORGLEDGER_PG_CONNECT_WAIT_SECONDS', 30, int(0, 3600)),
  /** Ingested times (effective_at, created_at) may lie at most this far ahead of the server's clock. */
  maxClockSkewSeconds: setting('ORGLEDGER_MAX_CLOCK_SKEW_SECONDS', 300, int(0, 31 * 86400)),
  /** The ledger's origin: checkpoints name `<origin>/<org id>/<log>`, and it names the signing key. */
  ledgerOrigin: setting('ORGLEDGER_LEDGER_ORIGIN', 'orgledger.local', str),
  /** The ledger's Ed25519 signing key (PKCS#8 PEM, mode 0600); default <data>/ledger-key.pem, created on first start. */
  ledgerKeyFile: setting<string | undefined>('ORGLEDGER_LEDGER_KEY_FILE', undefined, str),
  /** How often serve signs checkpoints of the logs that grew (at most one per log per interval). */
  ledgerCheckpointMs: setting('ORGLEDGER_LEDGER_CHECKPOINT_MS', 250, int(10, 60000)),
  /** How often serve applies retention policies (docs/ledger.md, Retention); 0 turns the job off in this process. */
  retentionIntervalSeconds: setting('ORGLEDGER_RETENTION_INTERVAL_SECONDS', 3600, int(0, 7 * 86400)),
  /** Live tail (GET /v1/organization/audit_logs/stream): how often each organization's hub polls the store. */
  liveTailPollMs: setting('ORGLEDGER_LIVE_TAIL_POLL_MS', 250, int(10, 60000)),
  /** Live tail: a comment line goes to a client idle this long. */
  liveTailHeartbeatSeconds: setting('ORGLEDGER_LIVE_TAIL_HEARTBEAT_SECONDS', 15, int(1, 3600)),
  /** Live tail: bytes that may wait for one client; beyond, the client is dropped. */
  liveTailClientBufferBytes: setting('ORGLEDGER_LIVE_TAIL_CLIENT_BUFFER_BYTES', 1024 * 1024, int(1024, 1024 * 1024 * 1024)),
  /** Live tail: how often the keys of open streams are checked again (a revoked key ends its streams). */
  liveTailKeyRecheckSeconds: setting('ORGLEDGER_LIVE_TAIL_KEY_RECHECK_SECONDS', 10, int(1, 3600)),
  /** Log streams: how often the deliverer looks for records to send (0 turns delivery off in this process). */
  logStreamPollMs: setting('ORGLEDGER_LOG_STREAM_POLL_MS', 200, int(0, 60000)),
  /** Log streams: the first retry delay after a failed delivery; it doubles per failure (with jitter). */
  logStreamBackoffMs: setting('ORGLEDGER_LOG_STREAM_BACKOFF_MS', 1000, int(1, 3600000)),
  /** Log streams: the longest retry delay. */
  logStreamMaxBackoffMs: setting('ORGLEDGER_LOG_STREAM_MAX_BACKOFF_MS', 300000, int(1, 86400000)),
  /** Log streams: consecutive failures after which a stream shows status `failing`. */
  logStreamFailAfter: setting('ORGLEDGER_LOG_STREAM_FAIL_AFTER', 5, int(1, 1000000)),
  /** Log streams: how long a process holds a stream before another may take it over. */
  logStreamLeaseMs: setting('ORGLEDGER_LOG_STREAM_LEASE_MS', 15000, int(1000, 3600000)),
  /** Reads (authenticated GETs) one admin key may have running at once; one more answers 429 with Retry-After. */
  readConcurrencyPerKey: setting('ORGLEDGER_READ_CONCURRENCY_PER_KEY', 8, int(1, 10000)),
  /** Reads one organization may have running at once, over all its keys. */
  readConcurrencyPerOrg: setting('ORGLEDGER_READ_CONCURRENCY_PER_ORG', 16, int(1, 10000)),
  /** Time budget of one audit-log, usage or costs query (PostgreSQL statement_timeout; SQLite: its reader worker is stopped); past it a 503 query_timeout. 0: none. */
  readTimeoutMs: setting('ORGLEDGER_READ_TIMEOUT_MS', 15000, int(0, 3600000)),
  /** SQLite: reader worker threads for audit-log, usage and costs reads (0: on the main thread, as before). */
  sqliteReaders: setting('ORGLEDGER_SQLITE_READERS', 2, int(0, 64)),
};

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: Settings[K]['default'] };
type Key = keyof Config;
const KEYS = Object.keys(SETTINGS) as Key[];

export const defaultConfig: Config = Object.fromEntries(KEYS.map((k) => [k, SETTINGS[k].default])) as Config;

/** Environment variable of each setting. */
export const ENV_NAMES = Object.fromEntries(KEYS.map((k) => [k, SETTINGS[k].env])) as Record<Key, string>;

type Raw = Partial<Record<Key, unknown>>;

function validate(raw: Raw, source: (key: Key) => string): Config {
  const c: Record<string, unknown> = { ...defaultConfig };
  for (const k of KEYS) {
    if (raw[k] !== undefined) c[k] = SETTINGS[k].parse(source(k), raw[k]);
  }
  return c as Config;
}

export interface ConfigSources {
  env: Record<string, string | undefined>;
  flags: Raw;
  configFile?: string;
}

/** Merges the sources and validates the result; a bad value throws a ConfigError naming where it came from. */
export function loadConfig({ env, flags, configFile }: ConfigSources): Config {
  const fromWhere = new Map<Key, string>();
  const merged: Raw = {};
  const file = configFile ?? env.ORGLEDGER_CONFIG;
  if (file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object') throw new ConfigError(`config file ${file} must hold a JSON object`);
    for (const [k, v] of Object.entries(parsed)) {
      if (!Object.hasOwn(SETTINGS, k)) throw new ConfigError(`config file ${file}: unknown setting '${k}'`);
      merged[k as Key] = v;
      fromWhere.set(k as Key, `${file}: ${k}`);
    }
  }
  for (const key of KEYS) {
    const v = env[ENV_NAMES[key]];
    if (v !== undefined && v !== '') {
      merged[key] = v;
      fromWhere.set(key, ENV_NAMES[key]);
    }
  }
  for (const [k, v] of Object.entries(flags)) {
    if (v !== undefined) {
      merged[k as Key] = v;
      fromWhere.set(k as Key, `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`);
    }
  }
  return validate(merged, (k) => fromWhere.get(k) ?? k);
}
/** Which engine the configured store uses: a postgres:// URL selects PostgreSQL, anything else is a SQLite path. */
export function storeEngine(config: Config): 'sqlite' | 'postgres' {
  return config.databaseUrl !== undefined && POSTGRES_URL.test(config.databaseUrl) ? 'postgres' : 'sqlite';
}

/** Where the embedded store lives. */
export function sqlitePath(config: Config): string {
  const url = config.databaseUrl;
  if (!url) return join(config.dataDir, 'orgledger.sqlite');
  if (POSTGRES_URL.test(url)) throw new ConfigError('--database-url names a PostgreSQL database; this command needs a SQLite store');
  return url.replace(/^sqlite:(\/\/)?/i, '');
}

/** The store for log lines and messages: the SQLite path, or the PostgreSQL URL without its password. */
export function describeStore(config: Config): string {
  if (storeEngine(config) === 'sqlite') return sqlitePath(config);
  const url = new URL(config.databaseUrl as string);
  if (url.password) url.password = '***';
  return url.toString();
}

/** Where the ledger's signing key lives. */
export function ledgerKeyPath(config: Config): string {
  return config.ledgerKeyFile ?? join(config.dataDir, 'ledger-key.pem');
}
