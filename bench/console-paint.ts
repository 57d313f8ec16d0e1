/**
 * The console in a real browser (Debian chromium via playwright-core) against a server holding 1M
 * audit events and 10M usage records (100k and 1M with --quick; bench/lib/console-store.ts keeps the
 * filled store in .bench-cache/): first contentful paint, the audit view interactive (its first
 * page of rows on screen), the overview's first figures and the overview settled (every panel),
 * each overview request's browser timing, the directory request, and the bundle size.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { consoleStore } from './lib/console-store.js';
import { type Figure, fmtInt, printTable, progress } from './lib/report.js';
import { BENCH_ADMIN_KEY, benchConfig, startBenchServer } from './lib/server.js';

const CHROMIUM = '/usr/bin/chromium';
const RUNS = 7;

/**
 * Marks, inside the page, when a view is ready: the first DOM change after which `ready()` holds, then
 * the frame that shows it (a timer queued from requestAnimationFrame runs once that frame is drawn).
 * Waiting from outside instead (page.waitForSelector, as this bench did before) polls at 20, 50, 100,
 * 100, 500 ms steps, runs its checks on the page's main thread and adds a round trip: it reported up to
 * half a second late, in coarse steps. The harness here polls a flag four times a second.
 */
const READY_PROBE = `(() => {
  const marks = (window.__marks = {});
  const checks = {
    // The audit view: its first page of rows on screen.
    audit: () => location.pathname === '/logs' && document.querySelector('table.events[aria-busy="false"] tbody tr[data-id]'),
    // The overview's first figures: month to date (and the trend, from the same answer).
    figures: () => {
      const mtd = document.querySelector('[data-testid=mtd]');
      return location.pathname === '/overview' && mtd && !mtd.textContent.includes('…');
    },
    // The overview settled: every panel has its answer (figures, the three movers tables, security).
    overview: () =>
      checks.figures() &&
      document.querySelectorAll('section.movers').length === 3 &&
      ![...document.querySelectorAll('section.movers')].some((m) => m.textContent.includes('Loading…')) &&
      document.querySelector('[data-testid=security-counts], section.security .notice'),
  };
  const observer = new MutationObserver(() => {
    for (const [name, ready] of Object.entries(checks)) {
      if (marks[name] !== undefined || marks['pending:' + name] || !ready()) continue;
      marks['pending:' + name] = true;
      requestAnimationFrame(() => setTimeout(() => { marks[name] = performance.now(); }));
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

function bundleFigures(): Figure[] {
  const dir = join(process.cwd(), 'dist', 'console', 'assets');
  const figures: Figure[] = [];
  for (const ext of ['js', 'css']) {
    const files = readdirSync(dir).filter((f) => f.endsWith(`.${ext}`));
    const bytes = files.reduce((a, f) => a + readFileSync(join(dir, f)).length, 0);
    const gz = files.reduce((a, f) => a + gzipSync(readFileSync(join(dir, f))).length, 0);
    figures.push({ name: `bundle ${ext}`, value: `${(bytes / 1024).toFixed(1)} KB (${(gz / 1024).toFixed(1)} KB gzip)`, target: '' });
  }
  return figures;
}

export async function runConsolePaintBench(opts: { quick: boolean }): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    console.log(`\nconsole: skipped (${CHROMIUM} is missing)`);
    return;
  }
  const events = opts.quick ? 100_000 : 1_000_000;
  const usageRecords = opts.quick ? 1_000_000 : 10_000_000;
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  await build({ configFile: join(process.cwd(), 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  process.env.NODE_ENV = nodeEnv;
  progress(`opening (or filling) the store: ${fmtInt(events)} audit events, ${fmtInt(usageRecords)} usage records`);
  const filled = await consoleStore(events, usageRecords);
  const age = (Date.now() / 1000 - filled.filledAt) / 86400;
  console.log(
    `\nconsole — chromium, SQLite, ${fmtInt(events)} audit events and ${fmtInt(usageRecords)} usage records stored, median of ${RUNS} loads\n` +
      `store ${filled.path}: ${(filled.bytes / 1e9).toFixed(2)} GB, ${filled.fresh ? 'filled by this run' : `cached, filled ${age.toFixed(1)} days ago`}` +
      ` (audit events ${filled.auditSeconds.toFixed(0)} s, usage records ${filled.usageSeconds.toFixed(0)} s in parallel, merge ${filled.mergeSeconds.toFixed(0)} s)`,
  );
  if (age > 30) console.log("  the data ends over 30 days ago: the overview's month and week panels read little; rm -r .bench-cache to refill");
  const server = await startBenchServer(benchConfig(filled.dir), filled.path);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    await context.addInitScript(`sessionStorage.setItem('orgledger.adminKey', ${JSON.stringify(BENCH_ADMIN_KEY)});${READY_PROBE}`);
    const readyAt = async (page: import('playwright-core').Page, mark: string) => {
      await page.waitForFunction((m) => (window as unknown as { __marks: Record<string, number> }).__marks[m] !== undefined, mark, {
        timeout: 120_000,
        polling: 250,
      });
      return (await page.evaluate((m) => (window as unknown as { __marks: Record<string, number> }).__marks[m], mark)) as number;
    };
    const paint: number[] = [];
    const audit: number[] = [];
    const overview: number[] = [];
    const figures: number[] = [];
    let lastRequests: { name: string; ms: number; bytes: number }[] = [];
    const directory: number[] = [];
    const list: number[] = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const page = await context.newPage();
      await page.goto(`${server.url}/logs`);
      const auditReady = await readyAt(page, 'audit');
      // The directory is asked for once the rows are in; wait for its answer to report its timing.
      await page
        .waitForFunction(() => performance.getEntriesByType('resource').some((r) => r.name.includes('/directory')), undefined, {
          timeout: 10_000,
          polling: 100,
        })
        .catch(() => {});
      const t = (await page.evaluate(() => ({
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        dir: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((r) => r.name.includes('/directory'))?.duration ?? Number.NaN,
        list: (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((r) => r.name.includes('/audit_logs'))?.duration ?? Number.NaN,
      }))) as { fcp: number; dir: number; list: number };
      await page.goto(`${server.url}/overview`);
      const ov = await readyAt(page, 'overview');
      const ovFigures = await readyAt(page, 'figures');
      const ovRequests = (await page.evaluate(() =>
        (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
          .filter((r) => r.name.includes('/v1/'))
          .map((r) => ({ name: decodeURIComponent(r.name.replace(/^.*\/v1\/organization\//, '')), ms: r.duration, bytes: r.encodedBodySize })),
      )) as { name: string; ms: number; bytes: number }[];
      await page.close();
      if (i === 0) continue; // warm-up: the first load fills the server's caches and the browser's
      paint.push(t.fcp);
      audit.push(auditReady);
      overview.push(ov);
      figures.push(ovFigures);
      if (i === RUNS) lastRequests = ovRequests;
      directory.push(t.dir);
      list.push(t.list);
    }
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    const load = (await import('node:os')).loadavg()[0]?.toFixed(1);
    printTable(`console in chromium (1440 px), host load average ${load}`, [
      { name: 'first contentful paint (/logs)', value: ms(median(paint)), target: '<= 300 ms', met: median(paint) <= 300 },
      { name: 'audit view interactive (rows shown)', value: ms(median(audit)), target: '<= 500 ms', met: median(audit) <= 500 },
      { name: 'GET /audit_logs first page (browser timing)', value: ms(median(list)), target: '' },
      { name: 'GET /directory (browser timing, after the rows)', value: ms(median(directory)), target: '' },
      {
        name: 'overview settled',
        value: ms(median(overview)),
        target: '<= 800 ms',
        met: median(overview) <= 800,
        note: 'every panel answered: figures, three movers tables, security',
      },
      { name: 'overview first figures (month to date, trend)', value: ms(median(figures)), target: '' },
      ...bundleFigures(),
    ]);
    console.log('overview requests, last load (browser timing, bytes as sent):');
    for (const r of lastRequests) console.log(`  ${r.ms.toFixed(0).padStart(6)} ms ${(r.bytes / 1024).toFixed(0).padStart(6)} KB  ${r.name}`);
  } finally {
    await browser.close();
    await server.close();
  }
}
