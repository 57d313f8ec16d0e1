/**
 * Serves the web console (built by Vite into dist/console) at `/`. The files are read once at start-up
 * (a few, small) and answered from memory: hashed assets are cached for a year, index.html is
 * revalidated on every load (ETag), and any other GET that a browser navigates to (Accept: text/html)
 * outside the API gets index.html, so /logs?type=... reloads and shares. API paths and non-browser
 * clients keep the JSON 404 envelope. The console itself only calls the public API with the key the
 * person signs in with; serving it needs no key.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../lib/errors.js';

// Both src/http and dist/http sit two levels below the package root.
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const API_PREFIXES = ['/v1/', '/v1', '/organization/', '/openapi.json', '/healthz'];

// The console runs only its own bundle and talks only to this origin.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  immutable: boolean;
}

function loadFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const body = readFileSync(path);
        const url = `/${relative(dir, path).split(sep).join('/')}`;
        files.set(url, {
          body,
          type: TYPES[extname(name)] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
          immutable: url.startsWith('/assets/'),
        });
      }
    }
  };
  walk(dir);
  return files;
}

const NOT_BUILT = Buffer.from(
  '<!doctype html><meta charset="utf-8"><title>orgledger</title><p>The web console is not built. Run <code>npm run build</code> (or <code>npm ci</code>) and restart. The API is at <code>/v1/organization/</code>.</p>',
);

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile): FastifyReply {
  reply.header('content-type', file.type).header('etag', file.etag).header('x-content-type-options', 'nosniff');
  reply.header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (file.type.startsWith('text/html')) reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.send(file.body);
}

export function registerConsole(app: FastifyInstance, dir = DEFAULT_CONSOLE_DIR): void {
  let files = new Map<string, StaticFile>();
  try {
    if (existsSync(join(dir, 'index.html'))) files = loadFiles(dir);
  } catch (err) {
    // A build rewriting dist/console while the server starts: serve the "not built" page rather than fail.
    app.log.warn({ err }, 'could not read the web console files');
  }
  const index: StaticFile = files.get('/index.html') ?? { body: NOT_BUILT, type: TYPES['.html'] as string, etag: '"not-built"', immutable: false };

  app.get('/', async (request, reply) => send(request, reply, index));
  app.get('/*', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const file = files.get(path);
    if (file && path !== '/index.html') return send(request, reply, file);
    const isApi = API_PREFIXES.some((p) => path === p || path.startsWith(p.endsWith('/') ? p : `${p}/`));
    const wantsPage = (request.headers.accept ?? '').includes('text/html');
    // A missing asset (/assets/old-hash.js) is a 404, not the page: the browser would run HTML as script.
    if (isApi || !wantsPage || path.startsWith('/assets/')) throw errors.routeNotFound(request.method, path);
    return send(request, reply, index);
  });
}
