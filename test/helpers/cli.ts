/**
 * Runs the real CLI (src/main.ts via tsx) in child processes: one-shot commands, and `serve` as a
 * long-running server whose URL is read from its stdout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { contractFetch } from './contract.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./cli-child.ts', import.meta.url));

/** An environment without the caller's ORGLEDGER_* settings, plus `extra`. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ORGLEDGER_')) env[k] = v;
  return { ...env, ...extra };
}

function spawnCli(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, env);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs a command with --json and parses its stdout; throws with stderr on failure. */
export async function cliJson(args: string[], env: Record<string, string> = {}): Promise<any> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`orgledger ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs a command with --json and parses its stdout as NDJSON (one object per line). */
export async function cliNdjson(args: string[], env: Record<string, string> = {}): Promise<any[]> {
  const r = await runCli([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`orgledger ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

export interface ServeChild {
  child: ChildProcess;
  url: string;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  client(key: string): OpenAI;
  /** Resolves with the exit code/signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `orgledger serve --port 0 ...args` and waits for the line announcing its URL. */
export function startServeChild(args: string[], env: Record<string, string> = {}): Promise<ServeChild> {
  const child = spawnCli(['serve', '--port', '0', '--log-level', 'warn', ...args], env);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /orgledger listening on (http:\/\/\S+)/.exec(out);
      if (m && !settled) {
        settled = true;
        const url = (m[1] as string).replace('localhost', '127.0.0.1');
        resolve({
          child,
          url,
          stdout: () => out,
          stderr: () => err,
          client: (key) => new OpenAI({ adminAPIKey: key, apiKey: 'unused', baseURL: `${url}/v1`, fetch: contractFetch, maxRetries: 0 }),
          exited,
          kill: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    void exited.then(({ code, signal }) => {
      if (!settled) {
        settled = true;
        reject(new Error(`serve exited (${code ?? signal}) before listening: ${err}${out}`));
      }
    });
  });
}

/** A 20+ character secret for ORGLEDGER_ADMIN_KEY. */
export function testSecret(tag: string): string {
  return `sk-admin-test-${tag}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
