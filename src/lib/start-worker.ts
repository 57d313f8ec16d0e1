/**
 * Starts a worker thread on a module of src/, from the TypeScript source (tsx, vitest) or from dist/:
 * run from source, the worker first registers tsx's loader, so the module may be `.ts`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** True when this code runs from the TypeScript source: a worker's module is then its `.ts` file. */
export const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');

/** The URL of a sibling module `name` (without extension) of `base` (a caller's import.meta.url), `.ts` or `.js` as this code runs. */
export const workerModule = (name: string, base: string): URL => new URL(`./${name}${fromSource ? '.ts' : '.js'}`, base);

export function startWorker(module: URL, workerData: unknown): Worker {
  if (!fromSource) return new Worker(module, { workerData });
  // tsx's ESM API (dist/esm/api/index.mjs beside the CommonJS entry require resolves) registers its loader in this worker.
  const tsxApi = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('tsx/esm/api')), 'index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(module.href)}); }).catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData });
}
