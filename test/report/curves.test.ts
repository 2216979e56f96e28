import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderRunCurves, runCurvesSpec, writeRunCurves } from '../../src/report/curves.ts';
import { renderSvg } from '../../src/report/render.ts';
import { NetspaceError } from '../../src/errors.ts';
import { makeSweep } from './sweep-fixture.ts';

describe('report/curves', () => {
  const sweep = makeSweep({ perSpace: 2, statuses: ['done', 'pending', 'diverged'] });
  const done = sweep.runs.find((r) => r.status === 'done')!;

  it("draws the chapter's three series per epoch", async () => {
    const { svg, html } = await renderRunCurves(done);
    for (const series of ['train_loss', 'val_loss', 'val_acc']) assert.ok(svg.includes(`>${series}</text>`), `legend names ${series}`);
    // One line per series, each through every epoch.
    const lines = [...svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*d="M([^"]+)"/g)];
    assert.equal(lines.length, 3);
    for (const [, d] of lines) assert.equal(d!.split('L').length, done.epochs.length);
    assert.match(svg, new RegExp(`Run #${done.id} \\(${done.space}\\): final error`));
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes(svg));
    assert.equal((html.match(/<tr><td>/g) ?? []).length, done.epochs.length);
    // One legend for color and dashes: vega-lite warned of a conflict while the dashes had legend: null.
    assert.deepEqual((await renderSvg(runCurvesSpec(done), 'c')).warnings, []);
  });

  it('keeps NaN losses of a diverged run out of the lines', () => {
    const diverged = { ...done, status: 'diverged' as const, finalError: null, epochs: [...done.epochs.slice(0, 2), { ...done.epochs[2]!, trainLoss: Number.NaN }] };
    const spec = runCurvesSpec(diverged) as { data: { values: { series: string; epoch: number }[] } };
    assert.equal(spec.data.values.filter((r) => r.series === 'train_loss').length, 2);
    assert.equal(spec.data.values.filter((r) => r.series === 'val_acc').length, 3);
  });

  it('writes SVG or HTML by extension and names a bad --out or an empty run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netspace-curves-'));
    const svgPath = await writeRunCurves(done, join(dir, 'a', 'run.svg'));
    assert.match(readFileSync(svgPath, 'utf8'), /^<\?xml[^>]*>\n<svg /);
    const htmlPath = await writeRunCurves(done, join(dir, 'run.html'));
    assert.match(readFileSync(htmlPath, 'utf8'), /data-chart="curves"/);
    await assert.rejects(writeRunCurves(done, join(dir, 'run.png')), /--out ".*run.png" must end in .svg or .html/);
    const pending = sweep.runs.find((r) => r.status === 'pending')!;
    assert.throws(() => runCurvesSpec(pending), (e: unknown) => e instanceof NetspaceError && new RegExp(`run ${pending.id} \\(pending\\) has no finished epoch yet`).test(e.message));
  });
});
