// One run's training curves (train loss, validation loss, validation accuracy per epoch), as the d2l chapter plots them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { RunRecord } from '../core/types.ts';
import { CHART_CONFIG, CHART_WIDTH, integerTicks } from './charts.ts';
import { describeConfig, escapeHtml as esc, percent } from './format.ts';
import { renderSvg } from './render.ts';

const SERIES = ['train_loss', 'val_loss', 'val_acc'] as const;

/** The d2l ProgressBoard's picture: three series on one axis over epochs, validation dashed. */
export function runCurvesSpec(run: RunRecord): TopLevelSpec {
  if (run.epochs.length === 0) throw new NetspaceError(messages.report.noEpochs(run.id, run.status));
  const rows = run.epochs.flatMap((e) =>
    [
      { series: 'train_loss', epoch: e.epoch, value: e.trainLoss },
      { series: 'val_loss', epoch: e.epoch, value: e.valLoss },
      { series: 'val_acc', epoch: e.epoch, value: e.valAccuracy },
    ].filter((r) => Number.isFinite(r.value)),
  );
  const last = Math.max(...run.epochs.map((e) => e.epoch));
  const error = run.finalError === null ? run.status : `final error ${percent(run.finalError)}`;
  return {
    config: CHART_CONFIG,
    title: { text: `Run #${run.id} (${run.space}): ${error}`, subtitle: describeConfig(run.config) },
    width: CHART_WIDTH,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', point: true, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', scale: { domain: [Math.min(1, last), last] }, axis: { values: integerTicks(1, last), format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: null, scale: { zero: true } },
      color: { field: 'series', type: 'nominal', scale: { domain: [...SERIES], range: ['#4e79a7', '#e15759', '#59a14f'] }, title: null, legend: { orient: 'right', direction: 'vertical', symbolType: 'stroke', symbolStrokeWidth: 2.5 } },
      strokeDash: { field: 'series', type: 'nominal', scale: { domain: [...SERIES], range: [[1, 0], [6, 3], [6, 3]] }, legend: null },
    },
  };
}

/** The curves of a run as an SVG document and as a small self-contained HTML page around it. */
export async function renderRunCurves(run: RunRecord): Promise<{ svg: string; html: string }> {
  const { svg } = await renderSvg(runCurvesSpec(run), `run-${run.id}`);
  const rows = run.epochs
    .map((e) => `<tr><td>${e.epoch}</td><td>${e.trainLoss.toFixed(4)}</td><td>${e.valLoss.toFixed(4)}</td><td>${percent(e.valAccuracy)}</td><td>${e.seconds.toFixed(1)}</td></tr>`)
    .join('');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>netspace run ${run.id}</title>
<style>body{font-family:system-ui,sans-serif;margin:0 auto;max-width:760px;padding:1rem;color:#1d2327}
svg{display:block;width:100%;height:auto}table{border-collapse:collapse;font-size:.9rem;margin-top:1rem}
td,th{padding:.25rem .6rem;border-bottom:1px solid #dde3e8;text-align:right}</style></head>
<body><h1>Run #${run.id} · ${esc(run.space)}</h1><p>${esc(describeConfig(run.config))} · ${esc(run.status)}</p>
<figure id="chart-curves" data-chart="curves" style="margin:0">${svg}</figure>
<table><thead><tr><th>epoch</th><th>train loss</th><th>val loss</th><th>val accuracy</th><th>seconds</th></tr></thead><tbody>${rows}</tbody></table>
</body></html>
`;
  return { svg, html };
}

/** Writes the curves of a run to `outPath`: an SVG for `.svg`, a page for `.html`; returns the path. */
export async function writeRunCurves(run: RunRecord, outPath: string): Promise<string> {
  const extension = extname(outPath).toLowerCase();
  if (extension !== '.svg' && extension !== '.html') throw new NetspaceError(messages.report.outExtension('--out', outPath, ['.svg', '.html']));
  const { svg, html } = await renderRunCurves(run);
  try {
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, extension === '.svg' ? `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n` : html);
  } catch (error) {
    throw new NetspaceError(messages.option.cannotWrite('--out', outPath, (error as Error).message));
  }
  return outPath;
}
