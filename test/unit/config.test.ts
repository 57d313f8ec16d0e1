/** The config table: precedence, derived defaults and environment names, and errors that name their source. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, ENV_NAMES, loadConfig } from '../../src/config/config.js';

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'orgledger-config-')), 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('config', () => {
  it('has an ORGLEDGER_ environment variable for every setting, each distinct', () => {
    const keys = Object.keys(defaultConfig);
    expect(Object.keys(ENV_NAMES).sort()).toEqual(keys.sort());
    for (const name of Object.values(ENV_NAMES)) expect(name).toMatch(/^ORGLEDGER_[A-Z0-9_]+$/);
    expect(new Set(Object.values(ENV_NAMES)).size).toBe(keys.length);
  });

  it('applies defaults < file < environment < flags', () => {
    const file = configFile({ port: 1000, host: '0.0.0.0', logLevel: 'debug' });
    const c = loadConfig({ env: { ORGLEDGER_PORT: '2000', ORGLEDGER_LOG_LEVEL: 'WARN' }, flags: { port: '3000' }, configFile: file });
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.logLevel).toBe('warn');
    expect(c.dataDir).toBe(defaultConfig.dataDir);
    expect(loadConfig({ env: {}, flags: {} })).toEqual(defaultConfig);
  });

  it('parses booleans, integers and enumerations from strings', () => {
    const c = loadConfig({ env: { ORGLEDGER_AUTO_MIGRATE: 'no', ORGLEDGER_SQLITE_SYNCHRONOUS: 'normal', ORGLEDGER_PG_POOL_SIZE: '4' }, flags: {} });
    expect(c.autoMigrate).toBe(false);
    expect(c.sqliteSynchronous).toBe('NORMAL');
    expect(c.pgPoolSize).toBe(4);
  });

  it.each([
    [{ ORGLEDGER_PORT: '0x10' }, 'ORGLEDGER_PORT must be an integer from 0 to 65535'],
    [{ ORGLEDGER_PORT: '70000' }, 'ORGLEDGER_PORT must be an integer from 0 to 65535'],
    [{ ORGLEDGER_AUTO_MIGRATE: 'maybe' }, 'ORGLEDGER_AUTO_MIGRATE must be true or false'],
    [{ ORGLEDGER_LOG_LEVEL: 'loud' }, 'ORGLEDGER_LOG_LEVEL must be one of'],
    [{ ORGLEDGER_ADMIN_KEY: 'short' }, 'ORGLEDGER_ADMIN_KEY must be at least 20 characters'],
    [{ ORGLEDGER_DATABASE_URL: 'postgres://' }, 'ORGLEDGER_DATABASE_URL'],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadConfig({ env, flags: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ env, flags: {} })).toThrow(message);
  });

  it('names the flag or the file a bad value came from, and refuses unknown file settings', () => {
    expect(() => loadConfig({ env: {}, flags: { bodyLimitBytes: '1' } })).toThrow('--body-limit-bytes must be an integer');
    const file = configFile({ maxPendingWrites: 0 });
    expect(() => loadConfig({ env: {}, flags: {}, configFile: file })).toThrow(`${file}: maxPendingWrites must be an integer`);
    expect(() => loadConfig({ env: {}, flags: {}, configFile: configFile({ colour: 'blue' }) })).toThrow("unknown setting 'colour'");
  });
});
