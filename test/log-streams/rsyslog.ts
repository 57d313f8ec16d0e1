/** A real rsyslogd (Debian rsyslog + rsyslog-gnutls) for the syslog sink tests: TCP/TLS in, one file out. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Rsyslog {
  port: number;
  /** PEM of the self-signed certificate the collector presents (pass as the sink's `ca`). */
  ca: string;
  /** The lines rsyslogd wrote so far: `<msgid>|<structured data>|<msg>`. */
  lines(): string[];
  /** Resolves once the output file holds at least `n` lines (rsyslog writes asynchronously). */
  untilLines(n: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const address = s.address();
  s.close();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startRsyslog(opts: { tls: boolean }): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'orgledger-rsyslog-'));
  const out = join(dir, 'out.log');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    {
      stdio: 'ignore',
    },
  );
  const port = await freePort();
  const tls = opts.tls
    ? `global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${cert}" DefaultNetstreamDriverCertFile="${cert}" DefaultNetstreamDriverKeyFile="${key}")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")`
    : 'module(load="imtcp")';
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}")
${tls}
template(name="line" type="string" string="%msgid%|%structured-data%|%msg%\\n")
ruleset(name="out") { action(type="omfile" file="${out}" template="line") }
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="out")
`,
  );
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = once(child, 'exit');
  // Ready once it accepts connections (a refused connect means not listening yet).
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || i > 200) throw new Error('rsyslogd did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
  return {
    port,
    ca: readFileSync(cert, 'utf8'),
    lines,
    async untilLines(n, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      while (lines().length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      return lines();
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
