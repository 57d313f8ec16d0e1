/**
 * Browser helpers for the console tests: Debian's chromium through playwright-core, the console built
 * from the current source (so a test never runs a stale bundle), screenshots under test-artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { startServer, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

if (!HAS_CHROMIUM) {
  console.warn(`console browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);
}

/** Builds src/console into dist/console, as `npm run build` does; the server reads it at start. */
export async function buildConsole(): Promise<void> {
  // vitest sets NODE_ENV=test, which Vite would honour (an unminified development bundle): build what ships.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(process.cwd(), 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function artifact(name: string): string {
  return join(ARTIFACTS, name);
}

/** A fresh page at the console tests' usual size and scheme. */
export async function newPage(browser: Browser, viewport = { width: 1440, height: 900 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
  return (await browser.newContext({ viewport, colorScheme })).newPage();
}

/** Opens the console, signs in with the key and waits for the overview it lands on. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/overview$/);
}

export interface ConsoleSession {
  server: TestServer;
  browser: Browser;
  page: Page;
}

/**
 * The console tests' usual start: the console built from source, a fresh server on the test engine
 * holding what `prepare` writes, chromium and one light page (signed in when asked). `bypassCSP` lets
 * axe be injected as an inline script, which the console's CSP rightly refuses.
 */
export async function openConsole(
  options: { prepare?: (server: TestServer) => Promise<void>; viewport?: { width: number; height: number }; bypassCSP?: boolean; signIn?: boolean } = {},
): Promise<ConsoleSession> {
  await buildConsole();
  const server = await startServer();
  try {
    await options.prepare?.(server);
  } catch (err) {
    await server.close();
    throw err;
  }
  const browser = await launchChromium();
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1440, height: 900 },
    colorScheme: 'light',
    ...(options.bypassCSP ? { bypassCSP: true } : {}),
  });
  const page = await context.newPage();
  if (options.signIn) await signIn(page, server.url, server.adminKey);
  return { server, browser, page };
}
