// The dashboard in a real browser (Debian's Chromium through playwright-core) on a sweep that trains while it is
// watched: a real `netspace sweep run` with a worker pool on real Fashion-MNIST images, a real `netspace serve`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { SweepView } from '../../src/serve/types.ts';
import { readStore } from '../../src/store/store.ts';
import { startServe, type ServeProcess } from './serve-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const DATA = '/usr/share/datasets/fashion-mnist';
const OUT = resolve('test-output', 'serve-browser');
const RUNS = 8;
/** The CLI with the fault-planting worker in its pool (test/fixtures), which NETSPACE_FAULT=delay:* slows. */
const WITH_FAULTS = ['--import', 'tsx', new URL('../fixtures/netspace-with-faults.ts', import.meta.url).pathname];

/**
 * Two small one-stage spaces, four models each, two epochs on 512 training images: about a minute with two workers
 * on a shared two-core machine, long enough to be watched. NETSPACE_FAULT=delay:* adds 100 ms to every batch (32 a
 * epoch), so that the sweep is still training when the page opens however fast the machine is.
 */
const SPEC = `name: live
seed: 3
spaces:
  - space: {kind: AnyNetX_A, name: narrow, stages: 1, stemWidth: 8, depth: {dist: choice, values: [1, 2]}, width: {dist: choice, values: [8, 16]}, bottleneckRatio: 1, groupWidth: 8}
    n: 4
  - space: {kind: AnyNetX_A, name: wide, stages: 1, stemWidth: 8, depth: {dist: choice, values: [1, 2]}, width: {dist: choice, values: [24, 32, 40, 48]}, bottleneckRatio: 1, groupWidth: 8}
    n: 4
train: {epochs: 2, batchSize: 16, lr: 0.1, trainSize: 512, valSize: 128, backend: wasm}
workers: 2
`;

/** Polls `check` until it returns a value (not undefined), or fails after `ms` naming `what`. */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 240_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The dashboard page with every request that leaves the server, every console error or warning, every navigation. */
async function open(browser: Browser, origin: string, path: string): Promise<{ page: Page; outside: string[]; problems: string[]; navigations: () => number }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const outside: string[] = [];
  const problems: string[] = [];
  let navigations = 0;
  page.on('request', (request) => {
    if (!request.url().startsWith(origin)) outside.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
  await page.goto(`${origin}${path}`, { waitUntil: 'load' });
  return { page, outside, problems, navigations: () => navigations };
}

/** Run ids and page x centres of the points a chart draws (vega-lite's aria labels name each mark's run). */
async function points(page: Page, chart: string): Promise<{ run: number; x: number }[]> {
  return page.$$eval(`#chart-${chart} g.mark-symbol.role-mark path`, (paths) =>
    paths.map((p) => {
      const box = p.getBoundingClientRect();
      return { run: Number(/\brun: (\d+)/.exec(p.getAttribute('aria-label') ?? '')?.[1]), x: box.left + box.width / 2 };
    }),
  );
}

const tableRuns = (page: Page): Promise<number[]> =>
  page.$$eval('#runs-table tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-run'))).sort((a, b) => a - b));

const counts = (page: Page): Promise<{ total: number; done: number }> =>
  page.$eval('#counts', (e) => ({ total: Number(e.getAttribute('data-total')), done: Number(e.getAttribute('data-done')) }));

describe('serve (a live sweep in a real browser)', () => {
  let browser: Browser;
  let sweep: ChildProcess;
  let sweepEnd: Promise<{ code: number | null; stderr: string }>;
  let serve: ServeProcess;
  let origin = '';
  const db = join(OUT, 'live.db');

  before(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, 'live.yaml'), SPEC);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    sweep = spawn(process.execPath, [...WITH_FAULTS, 'sweep', 'run', join(OUT, 'live.yaml'), '--db', db, '--data-dir', DATA, '--no-download'], {
      env: { ...process.env, NETSPACE_FAULT: 'delay:*' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    sweep.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    sweepEnd = new Promise((done) => sweep.on('close', (code) => done({ code, stderr })));
    // The dashboard needs the database; the sweep creates it and plans its runs before it trains.
    await until('the sweep to plan its runs', () => {
      try {
        return readStore(db, (store) => (store.statusCounts('live').total === RUNS ? true : undefined));
      } catch {
        return undefined;
      }
    });
    serve = await startServe(['--db', db, '--port', '0', '--refresh', '0.5']);
    origin = serve.url.replace(/\/$/, '');
  });

  after(async () => {
    await browser?.close();
    if (sweep?.exitCode === null) sweep.kill('SIGINT');
    await sweepEnd;
    await serve?.stop();
  });

  it('follows the sweep as it trains, without reload; hover, brush and click work; nothing leaves the server', async () => {
    const { page, outside, problems, navigations } = await open(browser, origin, '/sweeps/live');
    await page.evaluate(() => ((globalThis as unknown as { loadedOnce: boolean }).loadedOnce = true));
    const first = await until('the page to show the run count', async () => ((await page.$('#counts')) === null ? undefined : counts(page)), 60_000);
    assert.equal(first.total, RUNS);
    assert.ok(first.done < RUNS, `the sweep is still training when the page opens (${first.done} of ${RUNS} done)`);
    const statusBefore = await until('the status chart', () => page.$eval('#chart-status svg', (svg) => svg.outerHTML).catch(() => undefined), 60_000);
    assert.equal(await page.$eval('.live', (e) => e.getAttribute('data-activity')), 'writing');

    // The page updates itself while the sweep writes: the count of finished runs rises, the charts are redrawn.
    const seen = new Set<number>([first.done]);
    await until('every run to finish on the page', async () => {
      const now = await counts(page);
      seen.add(now.done);
      return now.done === RUNS ? true : undefined;
    });
    assert.ok(seen.size >= 2, `done counts seen: ${[...seen].join(', ')}`);
    assert.notEqual(await page.$eval('#chart-status svg', (svg) => svg.outerHTML), statusBefore, 'the status chart was redrawn');
    const sweepResult = await sweepEnd;
    assert.equal(sweepResult.code, 0, sweepResult.stderr);
    await until('the page to see the sweep idle', async () => ((await page.$eval('.live', (e) => e.getAttribute('data-activity'))) === 'idle' ? true : undefined), 60_000);
    assert.equal(navigations(), 1, 'one navigation: the page was never reloaded');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { loadedOnce?: boolean }).loadedOnce), true);
    // Every finished run is a point of the flops chart, and every run a row of the table.
    const drawn = await until('all runs drawn', async () => {
      const p = await points(page, 'error-vs-flops');
      return p.length === RUNS ? p : undefined;
    }, 60_000);
    assert.deepEqual(await tableRuns(page), drawn.map((p) => p.run).sort((a, b) => a - b));
    // The page draws every chart of the report's list (the design-choice charts included), in its order.
    const listed = ((await (await fetch(`${origin}/api/sweeps/live`)).json()) as SweepView).charts.map((c) => c.name);
    assert.ok(listed.includes('edf') && listed.some((n) => n.startsWith('parallel-')), listed.join(', '));
    const shown = await until('every chart drawn', async () => {
      const names = await page.$$eval('figure.chart', (figures) => figures.filter((f) => f.querySelector('svg') !== null).map((f) => f.getAttribute('data-chart')));
      return names.length === listed.length ? names : undefined;
    }, 60_000);
    assert.deepEqual(shown, listed);
    await page.screenshot({ path: join(OUT, 'dashboard-full.png'), fullPage: true });

    // Hover: the tooltip names the run and its config, as its row in the table does.
    const target = page.locator('#chart-error-vs-flops g.mark-symbol.role-mark path').first();
    await target.hover({ force: true });
    const tooltip = await until('the tooltip', () =>
      page.$$eval('#vg-tooltip-element.visible tr', (rows) => Object.fromEntries(rows.map((r) => [r.querySelector('.key')?.textContent ?? '', r.querySelector('.value')?.textContent ?? '']))).then((t) => (t.run === undefined ? undefined : t)),
    60_000);
    const run = Number(tooltip.run);
    assert.ok(drawn.some((p) => p.run === run), `tooltip of run ${tooltip.run}`);
    assert.equal(tooltip.config, await page.$eval(`#runs-table tr[data-run="${run}"] td.config`, (td) => td.textContent));
    assert.match(tooltip.config ?? '', /^d \[\d+\] · w \[\d+\] · g \[8\] · b \[1\]$/);
    assert.match(tooltip['final error'] ?? '', /^\d+\.\d\d%$/);
    await page.mouse.move(0, 0);

    // Brush: a range of flops keeps exactly the runs whose points lie in it, in the table and in the other charts.
    await page.locator('#chart-error-vs-flops').scrollIntoViewIfNeeded();
    const plot = (await page.locator('#chart-error-vs-flops g.mark-group.role-frame path.background').first().boundingBox())!;
    const xs = (await points(page, 'error-vs-flops')).sort((a, b) => a.x - b.x);
    const half = Math.floor(xs.length / 2);
    const end = (xs[half - 1]!.x + xs[half]!.x) / 2;
    // Some pixels in: the frame's box as Chromium measures it reaches a few pixels past the plot on each side.
    const start = plot.x + 12;
    const expected = xs.filter((p) => p.x >= start && p.x <= end).map((p) => p.run).sort((a, b) => a - b);
    assert.ok(expected.length > 0 && expected.length < RUNS, `the brush holds ${expected.length} runs`);
    await page.mouse.move(start, plot.y + plot.height / 2);
    await page.mouse.down();
    await page.mouse.move(end, plot.y + plot.height / 2, { steps: 8 });
    await page.mouse.up();
    await until('a selection', () => page.$eval('#selection:not([hidden])', () => true).catch(() => undefined), 30_000);
    assert.deepEqual(await tableRuns(page), expected);
    assert.equal(await page.$eval('#run-count', (e) => e.getAttribute('data-shown')), String(expected.length));
    assert.equal(await page.$eval('#selection', (e) => e.getAttribute('data-runs')), String(expected.length));
    const params = await until('the params chart to filter', async () => {
      const p = await points(page, 'error-vs-params');
      return p.length === expected.length ? p : undefined;
    }, 30_000);
    assert.deepEqual(params.map((p) => p.run).sort((a, b) => a - b), expected);
    await page.screenshot({ path: join(OUT, 'brushed.png') });
    await page.click('#clear-selection');
    await until('the selection to clear', async () => ((await tableRuns(page)).length === RUNS ? true : undefined), 30_000);

    // A click on a run opens its curves and its architecture.
    await page.locator('#chart-error-vs-flops g.mark-symbol.role-mark path').first().click({ force: true });
    await until('the run panel', () => page.$eval('#run-panel:not([hidden]) #run-title', (e) => e.textContent ?? undefined).catch(() => undefined), 30_000);
    const title = await page.textContent('#run-title');
    assert.match(title ?? '', /^Run #\d+ · (narrow|wide)$/);
    await until('the run curves', () => page.$eval('#run-curves svg g.mark-line', () => true).catch(() => undefined), 30_000);
    const stages = await page.$$eval('#run-architecture tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    assert.equal(stages.length, 1, 'one stage');
    assert.equal(stages[0]![4], '1', 'b_1 = 1');
    await page.screenshot({ path: join(OUT, 'run-panel.png') });
    await page.keyboard.press('Escape');

    await page.screenshot({ path: join(OUT, 'dashboard.png') });
    assert.deepEqual(outside, []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('lists the sweeps of the database with their state; the runs table sorts and filters', async () => {
    const { page, outside, problems } = await open(browser, origin, '/');
    const row = await until('the sweep list', () => page.$eval('#sweep-table tr[data-sweep="live"]', (tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)).catch(() => undefined), 60_000);
    assert.equal(row[0], 'live');
    assert.equal(row[1], 'idle');
    assert.equal(row[2], String(RUNS));
    assert.equal(row[3], String(RUNS));
    await page.click('#sweep-table a');
    await page.waitForURL(`${origin}/sweeps/live`);
    await until('the runs table', async () => ((await tableRuns(page)).length === RUNS ? true : undefined), 60_000);

    // The table sorts by any column, both ways, and filters by space, status and a parameter's range.
    const errorsShown = (): Promise<number[]> => page.$$eval('#runs-table tbody tr', (rows) => rows.map((r) => parseFloat(r.children[3]?.textContent ?? '')));
    await page.click('#runs-table th[data-key="error"]');
    const ascending = await errorsShown();
    assert.deepEqual(ascending, [...ascending].sort((a, b) => a - b));
    assert.equal(await page.getAttribute('#runs-table th[data-key="error"]', 'aria-sort'), 'ascending');
    await page.click('#runs-table th[data-key="error"]');
    assert.deepEqual(await errorsShown(), [...ascending].sort((a, b) => b - a));
    const view = (await (await fetch(`${origin}/api/sweeps/live`)).json()) as SweepView;
    await page.selectOption('#filter-space', 'wide');
    await page.selectOption('#filter-status', 'done');
    assert.deepEqual(await tableRuns(page), view.runs.filter((r) => r.space === 'wide').map((r) => r.id).sort((a, b) => a - b));
    await page.fill('#filter-w1-min', '40');
    const wide = view.runs.filter((r) => r.space === 'wide' && (r.values.w1 ?? 0) >= 40).map((r) => r.id).sort((a, b) => a - b);
    assert.ok(wide.length > 0 && wide.length < 4, `${wide.length} wide runs of width >= 40`);
    assert.deepEqual(await tableRuns(page), wide);
    await page.selectOption('#filter-status', 'failed');
    assert.deepEqual(await tableRuns(page), []);
    assert.deepEqual(outside, []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
