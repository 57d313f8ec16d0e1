/**
 * The one typed configuration. Sources, later winning: defaults < JSON config file (--config or
 * ORGLEDGER_CONFIG) < ORGLEDGER_* environment < command-line flags. Validated once here; nothing
 * else reads process.env.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** A SQLite file path (or sqlite: URL), or a postgres:// URL for the PostgreSQL engine. */
  databaseUrl: string | undefined;
  /** ORGLEDGER_ADMIN_KEY: a secret serve makes sure exists as an admin key of the default organization. */
  adminKey: string | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  autoMigrate: boolean;
  sqliteSynchronous: 'FULL' | 'NORMAL';
  /** PRAGMA quick_check of the SQLite file at start; false skips it (very large stores start faster). */
  sqliteQuickCheck: boolean;
  bodyLimitBytes: number;
  /** Writes sharing one group commit at most. */
  maxBatchJobs: number;
  /** Queued writes beyond which ingest answers 429. */
  maxPendingWrites: number;
  /** A price file of the user's, overlaid on the shipped data-files/prices.json. */
  pricesFile: string | undefined;
  /** PostgreSQL: connections in the pool (one is held by the group commit while a batch runs). */
  pgPoolSize: number;
  /** PostgreSQL: how long start-up waits for a database that is not answering yet. */
  pgConnectWaitSeconds: number;
}

export const defaultConfig: Config = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  databaseUrl: undefined,
  adminKey: undefined,
  logLevel: 'info',
  autoMigrate: true,
  sqliteSynchronous: 'FULL',
  sqliteQuickCheck: true,
  bodyLimitBytes: 32 * 1024 * 1024,
  maxBatchJobs: 2000,
  maxPendingWrites: 20000,
  pricesFile: undefined,
  pgPoolSize: 10,
  pgConnectWaitSeconds: 30,
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Raw = Partial<Record<keyof Config, unknown>>;

/** Environment variable of each setting. */
export const ENV_NAMES: Record<keyof Config, string> = {
  host: 'ORGLEDGER_HOST',
  port: 'ORGLEDGER_PORT',
  dataDir: 'ORGLEDGER_DATA',
  databaseUrl: 'ORGLEDGER_DATABASE_URL',
  adminKey: 'ORGLEDGER_ADMIN_KEY',
  logLevel: 'ORGLEDGER_LOG_LEVEL',
  autoMigrate: 'ORGLEDGER_AUTO_MIGRATE',
  sqliteSynchronous: 'ORGLEDGER_SQLITE_SYNCHRONOUS',
  sqliteQuickCheck: 'ORGLEDGER_SQLITE_QUICK_CHECK',
  bodyLimitBytes: 'ORGLEDGER_BODY_LIMIT_BYTES',
  maxBatchJobs: 'ORGLEDGER_MAX_BATCH_JOBS',
  maxPendingWrites: 'ORGLEDGER_MAX_PENDING_WRITES',
  pricesFile: 'ORGLEDGER_PRICES_FILE',
  pgPoolSize: 'ORGLEDGER_PG_POOL_SIZE',
  pgConnectWaitSeconds: 'ORGLEDGER_PG_CONNECT_WAIT_SECONDS',
};

function int(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|1|yes)$/i.test(value)) return true;
  if (typeof value === 'string' && /^(false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false (got ${JSON.stringify(value)})`);
}

function str(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(`${name} must be a non-empty string`);
  return value;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** A SQLite path, or a postgres:// URL that must parse and name a host (checked here so a typo fails at start). */
function databaseUrl(name: string, value: unknown): string {
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
}

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  const v = typeof value === 'string' ? value.trim() : value;
  const found = allowed.find((a) => typeof v === 'string' && a.toLowerCase() === v.toLowerCase());
  if (!found) throw new ConfigError(`${name} must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
  return found;
}

function validate(raw: Raw, source: (key: keyof Config) => string): Config {
  const c: Config = { ...defaultConfig };
  const has = (k: keyof Config) => raw[k] !== undefined;
  if (has('host')) c.host = str(source('host'), raw.host);
  if (has('port')) c.port = int(source('port'), raw.port, 0, 65535);
  if (has('dataDir')) c.dataDir = str(source('dataDir'), raw.dataDir);
  if (has('databaseUrl')) c.databaseUrl = databaseUrl(source('databaseUrl'), raw.databaseUrl);
  if (has('adminKey')) {
    const key = str(source('adminKey'), raw.adminKey);
    if (key.length < 20 || /\s/.test(key)) throw new ConfigError(`${source('adminKey')} must be at least 20 characters without spaces`);
    c.adminKey = key;
  }
  if (has('logLevel')) c.logLevel = oneOf(source('logLevel'), raw.logLevel, LOG_LEVELS);
  if (has('autoMigrate')) c.autoMigrate = bool(source('autoMigrate'), raw.autoMigrate);
  if (has('sqliteSynchronous')) c.sqliteSynchronous = oneOf(source('sqliteSynchronous'), raw.sqliteSynchronous, ['FULL', 'NORMAL'] as const);
  if (has('sqliteQuickCheck')) c.sqliteQuickCheck = bool(source('sqliteQuickCheck'), raw.sqliteQuickCheck);
  if (has('bodyLimitBytes')) c.bodyLimitBytes = int(source('bodyLimitBytes'), raw.bodyLimitBytes, 1024, 1024 * 1024 * 1024);
  if (has('maxBatchJobs')) c.maxBatchJobs = int(source('maxBatchJobs'), raw.maxBatchJobs, 1, 100000);
  if (has('maxPendingWrites')) c.maxPendingWrites = int(source('maxPendingWrites'), raw.maxPendingWrites, 1, 10000000);
  if (has('pricesFile')) c.pricesFile = str(source('pricesFile'), raw.pricesFile);
  if (has('pgPoolSize')) c.pgPoolSize = int(source('pgPoolSize'), raw.pgPoolSize, 2, 1000);
  if (has('pgConnectWaitSeconds')) c.pgConnectWaitSeconds = int(source('pgConnectWaitSeconds'), raw.pgConnectWaitSeconds, 0, 3600);
  return c;
}

export interface ConfigSources {
  env: Record<string, string | undefined>;
  flags: Raw;
  configFile?: string;
}

/** Merges the sources and validates the result; a bad value throws a ConfigError naming where it came from. */
export function loadConfig({ env, flags, configFile }: ConfigSources): Config {
  const fromWhere = new Map<keyof Config, string>();
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
      if (!(k in defaultConfig)) throw new ConfigError(`config file ${file}: unknown setting '${k}'`);
      merged[k as keyof Config] = v;
      fromWhere.set(k as keyof Config, `${file}: ${k}`);
    }
  }
  for (const key of Object.keys(ENV_NAMES) as (keyof Config)[]) {
    const v = env[ENV_NAMES[key]];
    if (v !== undefined && v !== '') {
      merged[key] = v;
      fromWhere.set(key, ENV_NAMES[key]);
    }
  }
  for (const [k, v] of Object.entries(flags)) {
    if (v !== undefined) {
      merged[k as keyof Config] = v;
      fromWhere.set(k as keyof Config, `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`);
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
