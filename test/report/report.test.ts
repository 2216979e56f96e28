import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { TopLevelSpec } from 'vega-lite';
import { basename, join } from 'node:path';
import { chartSpecs, integerTicks } from '../../src/report/charts.ts';
import { spaceSlugs } from '../../src/report/design-charts.ts';
import { prefixSvgIds, renderSvg } from '../../src/report/render.ts';
import { defaultReportPath, renderReport, writeReport } from '../../src/report/report.ts';
import { makeSweep } from './sweep-fixture.ts';

const FAST = { bandResamples: 200, goodRangeResamples: 300 };
const SVG_NAMESPACES = ['http://www.w3.org/2000/svg', 'http://www.w3.org/1999/xlink'];

/** Every reference in the page that could make a browser fetch something. */
function externalReferences(html: string): string[] {
  const urls = [...html.matchAll(/https?:\/\/[^\s"')<>]+/g)].map((m) => m[0]).filter((u) => !SVG_NAMESPACES.includes(u));
  const tags = [...html.matchAll(/<(script|link|img|iframe|object|embed)\b[^>]*>/gi)].map((m) => m[0]);
  const attrs = [...html.matchAll(/\b(src|href)="(?!#)[^"]*"/g)].map((m) => m[0]);
  const cssUrls = [...html.matchAll(/url\((?!#)[^)]*\)/g)].map((m) => m[0]);
  const imports = [...html.matchAll(/@import|@font-face/g)].map((m) => m[0]);
  return [...urls, ...tags, ...attrs, ...cssUrls, ...imports];
}

describe('report/report', () => {
  it('renders every chart inline with marks, no warnings and nothing to fetch', async () => {
    const sweep = makeSweep({ spaces: ['AnyNetX_A', 'AnyNetX_E', 'RegNetX'], perSpace: 16, statuses: ['done', 'done', 'done', 'failed', 'done', 'running', 'diverged', 'pending'] });
    const report = await renderReport(sweep, { ...FAST, now: new Date('2025-02-03T04:05:06Z') });
    const names = Object.keys(chartSpecs(report.data));
    assert.deepEqual(Object.keys(report.charts), names);
    const designCharts = ['AnyNetX_A', 'AnyNetX_E', 'RegNetX'].flatMap((s) => [`importance-${s}`, `parallel-${s}`]);
    for (const required of ['status', 'edf', 'edf-normalized', 'error-vs-flops', 'error-vs-params', 'param-d1', 'param-g', 'param-w0', ...designCharts, 'curves-best', 'curves-worst', 'widths']) {
      assert.ok(names.includes(required), `chart ${required}`);
    }
    assert.deepEqual(report.warnings, []);
    for (const [name, svg] of Object.entries(report.charts)) {
      assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/, name);
      assert.match(svg, /class="mark-(line|symbol|area|rect|rule)[^"]*"[^>]*>\s*<(path|g)/, `${name} draws marks`);
      assert.ok(report.html.includes(`data-chart="${name}"`), `${name} has a figure`);
      assert.ok(report.html.includes(svg), `${name} is inline`);
      assert.doesNotMatch(svg, /font-family="[^"]*(Helvetica|Arial|Roboto)/, `${name} uses generic fonts only`);
    }
    assert.deepEqual(externalReferences(report.html), []);
    // Inline SVGs share one id namespace: vega's clip ids must not collide across charts.
    const ids = [...report.html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length);
    assert.match(report.html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
    assert.match(report.html, /<meta name="viewport" content="width=device-width/);
    assert.match(report.html, /report generated 2025-02-03T04:05:06.000Z/);
    assert.match(report.html, /48 runs: 24 done, 6 running, 6 pending, 6 failed, 6 diverged/);
    assert.match(report.html, /Kolmogorov/);
    for (const s of report.data.spaces) assert.ok(report.html.includes(`<td>${s.space}</td>`));
  });

  it('says so when no run has finished, and still shows the status', async () => {
    const sweep = makeSweep({ perSpace: 3, statuses: ['pending', 'running'] });
    const report = await renderReport(sweep, FAST);
    assert.deepEqual(Object.keys(report.charts), ['status']);
    assert.match(report.html, /No finished runs yet/);
    const empty = await renderReport({ id: 9, name: 'empty', spec: {}, createdAt: 'now', runs: [] }, FAST);
    assert.deepEqual(empty.charts, {});
    assert.match(empty.html, /This sweep has no runs yet/);
  });

  it('escapes names from the database', async () => {
    const sweep = makeSweep({ name: '<img src=x>', spaces: ['A&B', 'RegNetX'], perSpace: 4 });
    const report = await renderReport(sweep, FAST);
    assert.ok(!report.html.includes('<img src=x>'));
    assert.ok(report.html.includes('Sweep &lt;img src=x&gt;'));
    assert.ok(report.html.includes('<td>A&amp;B</td>'));
    assert.deepEqual(externalReferences(report.html), []);
  });

  it('draws what matters in each space: importance bars, runs over the parameters, error trends', async () => {
    const sweep = makeSweep({ spaces: ['AnyNetX_A', 'RegNetX'], perSpace: 20 });
    const specs = chartSpecs((await renderReport(sweep, FAST)).data);
    const importance = specs['importance-RegNetX'] as { data: { values: { label: string; kind: string; importance: number }[] } };
    const bars = importance.data.values.filter((v) => v.kind === 'alone (main effect)');
    // Every RegNetX parameter that varies gets a bar, largest first; b is fixed at 1 and explains nothing.
    assert.deepEqual(bars.map((b) => b.label).sort(), ['b', 'd', 'g', 'w0', 'wa', 'wm']);
    assert.deepEqual(bars.map((b) => b.importance), [...bars.map((b) => b.importance)].sort((a, b) => b - a));
    assert.equal(bars.find((b) => b.label === 'b')!.importance, 0);
    const parallel = specs['parallel-AnyNetX_A'] as { layer: { data: { values: { run?: number; parameter: string; position: number }[] } }[] };
    const lines = parallel.layer[1]!.data.values;
    assert.equal(new Set(lines.map((l) => l.run)).size, 20);
    assert.deepEqual([...new Set(lines.map((l) => l.parameter))], ['d1', 'd2', 'w1', 'w2', 'b1', 'b2', 'g1', 'g2']);
    assert.ok(lines.every((l) => l.position >= 0 && l.position <= 1));
    // The trend line: a loess layer on the log of a log-sampled parameter.
    const trend = JSON.stringify(specs['param-w1']);
    assert.match(trend, /"loess":"error","on":"fit"/);
    assert.match(trend, /"calculate":"log\(datum.value\)"/);
    assert.deepEqual(spaceSlugs(['a/b', 'a_b', 'a b', 'c']), ['a_b', 'a_b-2', 'a_b-3', 'c']);
  });

  it('gives every chart its own ids', async () => {
    // A clipped mark makes vega emit a clipPath with an id and url(#...) references to it.
    const spec: TopLevelSpec = {
      data: { values: [{ x: 1, y: 1 }, { x: 2, y: 3 }] },
      mark: { type: 'line', clip: true },
      encoding: { x: { field: 'x', type: 'quantitative', scale: { domain: [1, 1.5] } }, y: { field: 'y', type: 'quantitative' } },
    };
    const a = await renderSvg(spec, 'one');
    const b = await renderSvg(spec, 'two');
    const idsOf = (svg: string) => [...svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(idsOf(a.svg).length > 0);
    assert.ok(idsOf(a.svg).every((id) => id.startsWith('c-one-')));
    const refs = [...a.svg.matchAll(/url\(#([^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.ok(idsOf(a.svg).includes(ref), `reference ${ref} resolves`);
    assert.equal(idsOf(a.svg).filter((id) => idsOf(b.svg).includes(id)).length, 0);
    assert.equal(prefixSvgIds('<g id="a"><use href="#a"/><path clip-path="url(#a)"/></g>', 'p'), '<g id="p-a"><use href="#p-a"/><path clip-path="url(#p-a)"/></g>');
  });

  it('writes the page, one SVG per chart and the numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-report-'));
    const out = join(dir, 'nested', 'my-sweep.html');
    const sweep = makeSweep({ perSpace: 8 });
    const first = await writeReport(sweep, out, { ...FAST, json: true });
    assert.equal(first.html, out);
    assert.equal(first.chartDir, join(dir, 'nested', 'my-sweep-charts'));
    assert.deepEqual(readdirSync(first.chartDir).sort(), Object.keys(chartSpecs(first.data)).map((n) => `${n}.svg`).sort());
    assert.deepEqual(first.charts.map((p) => join(first.chartDir, basename(p))), first.charts);
    for (const path of first.charts) assert.match(readFileSync(path, 'utf8'), /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
    assert.deepEqual(JSON.parse(readFileSync(first.json!, 'utf8')), first.data);
    assert.match(readFileSync(out, 'utf8'), /^<!doctype html>/);
    // Rewriting a report whose charts shrank leaves no stale SVG behind; without --json no JSON is written.
    writeFileSync(join(first.chartDir, 'stale.svg'), '<svg/>');
    const second = await writeReport(makeSweep({ perSpace: 2, statuses: ['pending'] }), out, FAST);
    assert.equal(second.json, null);
    assert.deepEqual(readdirSync(second.chartDir), ['status.svg']);
    assert.ok(!existsSync(join(dir, 'nested', 'my-sweep.html.tmp')));
  });

  it('names a bad --out', async () => {
    await assert.rejects(writeReport(makeSweep({ perSpace: 1 }), 'report.pdf'), /--out "report.pdf" must end in .html/);
    const dir = mkdtempSync(join(tmpdir(), 'netspace-report-'));
    writeFileSync(join(dir, 'file'), 'x');
    await assert.rejects(writeReport(makeSweep({ perSpace: 1 }), join(dir, 'file', 'r.html'), FAST), /--out ".*file\/r.html" cannot be written: ENOTDIR/);
    assert.equal(defaultReportPath('a/b c'), join('reports', 'a_b_c.html'));
  });

  it('puts whole-number ticks on epoch, block and count axes', () => {
    assert.deepEqual(integerTicks(1, 4), [1, 2, 3, 4]);
    assert.deepEqual(integerTicks(0, 14), [0, 2, 4, 6, 8, 10, 12, 14]);
    assert.deepEqual(integerTicks(1, 30), [5, 10, 15, 20, 25, 30]);
    assert.deepEqual(integerTicks(0, 1000), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    assert.deepEqual(integerTicks(0, 0), [0]);
  });
});
