import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeSweep } from './sweep-fixture.ts';
import { writeSweepDb } from './sweep-db.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const OUT = resolve('test-output', 'browser');

/** Opens the page, recording every request that is not the page itself, console errors and page errors. */
async function open(browser: Browser, url: string, width: number): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => {
    if (request.url() !== url) requests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  await page.goto(url, { waitUntil: 'load' });
  return { page, requests, errors };
}

describe('report (in a real browser)', () => {
  let browser: Browser;
  let url = '';
  let chartFiles: string[] = [];
  let doneInA = 0;

  before(async () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    // A real SQLite sweep database written through the store, with runs in every state (the sweep is "still running").
    const db = join(OUT, 'sweep.db');
    const sweep = makeSweep({
      name: 'browser-sweep',
      spaces: ['AnyNetX_A', 'AnyNetX_E', 'RegNetX'],
      perSpace: 14,
      statuses: ['done', 'done', 'done', 'running', 'done', 'failed', 'done', 'diverged', 'done', 'pending'],
    });
    writeSweepDb(db, sweep);
    doneInA = sweep.runs.filter((r) => r.space === 'AnyNetX_A' && r.status === 'done').length;
    const html = join(OUT, 'report.html');
    const cli = spawnSync(process.execPath, ['bin/netspace.js', 'report', 'browser-sweep', '--db', db, '--out', html], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    chartFiles = readdirSync(join(OUT, 'report-charts')).map((f) => f.replace(/\.svg$/, '')).sort();
    url = pathToFileURL(html).href;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });

  after(async () => {
    await browser?.close();
  });

  it('draws every chart offline, with no console error and no request', async () => {
    const { page, requests, errors } = await open(browser, url, 1280);
    const figures = await page.$$eval('figure[data-chart]', (nodes) =>
      nodes.map((figure) => {
        const svg = figure.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return {
          name: figure.getAttribute('data-chart') ?? '',
          marks: figure.querySelectorAll('svg g[class*="mark-"] > path, svg g[class*="mark-"] > g > path').length,
          width: box?.width ?? 0,
          height: box?.height ?? 0,
        };
      }),
    );
    assert.deepEqual(figures.map((f) => f.name).sort(), chartFiles);
    assert.ok(chartFiles.length >= 12, `charts: ${chartFiles.join(', ')}`);
    // What matters in each space: its importance bars and its runs over the parameters, drawn like every chart.
    for (const space of ['AnyNetX_A', 'AnyNetX_E', 'RegNetX']) {
      for (const chart of [`importance-${space}`, `parallel-${space}`]) assert.ok(chartFiles.includes(chart), `${chart} in ${chartFiles.join(', ')}`);
    }
    const drawn = await page.$$eval('figure[data-chart]', (nodes) =>
      Object.fromEntries(
        nodes.map((figure) => [
          figure.getAttribute('data-chart') ?? '',
          {
            bars: figure.querySelectorAll('g.mark-rect path').length,
            lines: figure.querySelectorAll('g.mark-line path').length,
          },
        ]),
      ),
    );
    assert.ok(drawn['importance-RegNetX']!.bars >= 5, JSON.stringify(drawn['importance-RegNetX']));
    // One line per finished run over the parameters.
    assert.equal(drawn['parallel-AnyNetX_A']!.lines, doneInA);
    // The error trend: a loess line in each panel of a parameter with enough distinct values.
    assert.ok(drawn['param-w1']!.lines >= 1, JSON.stringify(drawn['param-w1']));
    for (const f of figures) {
      assert.ok(f.marks > 0, `${f.name} has drawn marks`);
      assert.ok(f.width > 200 && f.height > 100, `${f.name} is visible (${f.width}x${f.height})`);
    }
    assert.match(await page.textContent('h1') ?? '', /browser-sweep/);
    assert.match(await page.textContent('#summary') ?? '', /RegNetX/);
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: join('test-output', 'report.png'), fullPage: false });
    await page.screenshot({ path: join(OUT, 'report-full.png'), fullPage: true });
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fits a phone screen: charts shrink, only tables scroll sideways', async () => {
    const { page, requests, errors } = await open(browser, url, 390);
    const layout = {
      page: await page.$eval('html', (root) => root.scrollWidth),
      widest: Math.max(...(await page.$$eval('figure svg', (svgs) => svgs.map((s) => s.getBoundingClientRect().right)))),
    };
    assert.ok(layout.page <= 390, `page is ${layout.page}px wide`);
    assert.ok(layout.widest <= 390, `a chart reaches ${layout.widest}px`);
    await page.screenshot({ path: join(OUT, 'report-phone.png'), fullPage: false });
    assert.deepEqual(requests, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
