// The report pipeline: a stored sweep in, one self-contained HTML page (plus an SVG per chart and the numbers) out.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { analyzeSweep, parseAnalysisOptions, type AnalysisOptions, type SweepAnalysis } from '../analysis/sweep.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import type { SweepRecord } from '../core/types.ts';
import { chartSpecs, type ChartSpecs } from './charts.ts';
import { fidelityReport } from './fidelity.ts';
import { reportPage } from './html.ts';
import { renderSvg } from './render.ts';

/*
 * The pipeline, one type per stage:
 *
 *   SweepRecord          the sweep as the store reads it (src/core/types.ts), finished or still running
 *     | analyzeSweep      (src/analysis: pure, seeded; EDFs, bands, normalised EDFs, KS tests, good ranges)
 *     v
 *   SweepAnalysis        every number the page shows; --json writes exactly this
 *     | chartSpecs        (./charts.ts: pure)
 *     v
 *   ChartSpecs           chart name -> vega-lite TopLevelSpec
 *     | renderSvg         (./render.ts: vega-lite -> vega -> SVG, headless, no canvas, no network)
 *     v
 *   Record<name, svg>    standalone SVG documents, ids prefixed per chart
 *     | reportPage        (./html.ts)
 *     v
 *   html string          one page: inline CSS and SVG, no script, CSP forbids every fetch
 *     | writeReport
 *     v
 *   <out>.html, <out>-charts/<name>.svg, <out>.json (with --json)
 */

/** Options of renderReport: the analysis knobs and the time stamped in the header. */
export interface ReportOptions extends AnalysisOptions {
  /** Time shown as "report generated"; default now. */
  now?: Date;
}

/** A rendered report, still in memory. */
export interface RenderedReport {
  html: string;
  /** Chart name -> SVG document, in page order. */
  charts: Record<string, string>;
  data: SweepAnalysis;
  /** What vega-lite and vega warned about while drawing (empty for every chart the report builds). */
  warnings: string[];
}

/** Analyses a sweep and renders its page and charts. Works on a sweep with no finished run. */
export async function renderReport(sweep: SweepRecord, options: ReportOptions = {}): Promise<RenderedReport> {
  const { now, ...analysisOptions } = options;
  const data = analyzeSweep(sweep, parseAnalysisOptions(analysisOptions, 'report options'));
  const fidelity = fidelityReport(sweep, { seed: data.options.seed, resamples: data.options.bandResamples, level: data.options.bandLevel });
  const { charts, warnings } = await renderCharts({ ...chartSpecs(data), ...fidelity?.specs });
  const sections = fidelity === null ? [] : [fidelity.section(charts)];
  return { html: reportPage({ analysis: data, charts, generatedAt: now ?? new Date(), sections }), charts, data, warnings };
}

/** Renders every spec to SVG, one after the other (vega views are cheap; the order keeps the page order). */
export async function renderCharts(specs: ChartSpecs): Promise<{ charts: Record<string, string>; warnings: string[] }> {
  const charts: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const rendered = await renderSvg(spec, name);
    charts[name] = rendered.svg;
    warnings.push(...rendered.warnings.map((w) => `${name}: ${w}`));
  }
  return { charts, warnings };
}

/** Options of writeReport. */
export interface WriteReportOptions extends ReportOptions {
  /** Also write the SweepAnalysis as JSON beside the page (`<out>.json`). */
  json?: boolean;
}

/** Paths writeReport wrote. */
export interface WrittenReport {
  html: string;
  /** Folder of the chart SVGs: `<out-dir>/<out-name>-charts`. */
  chartDir: string;
  charts: string[];
  json: string | null;
  data: SweepAnalysis;
}

/** Where the report of a sweep goes unless --out says otherwise: reports/<sweep>.html, the name made file-safe. */
export function defaultReportPath(sweepName: string): string {
  return join('reports', `${sweepName.replace(/[^\w.-]+/g, '_')}.html`);
}

/** Writes a file whole or not at all, so that a browser reloading the report never sees half a page. */
function writeAtomic(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/**
 * Renders the report of a sweep and writes the page to `outPath` (which must end in .html), each chart as
 * `<dir>/<name>-charts/<chart>.svg` (SVGs of charts that no longer apply are removed) and, with `json`, the numbers
 * to `<dir>/<name>.json`.
 */
export async function writeReport(sweep: SweepRecord, outPath: string, options: WriteReportOptions = {}): Promise<WrittenReport> {
  const extension = extname(outPath).toLowerCase();
  if (extension !== '.html' && extension !== '.htm') throw new NetspaceError(messages.report.outExtension('--out', outPath, ['.html']));
  const { json = false, ...renderOptions } = options;
  const report = await renderReport(sweep, renderOptions);
  const dir = dirname(outPath);
  const stem = basename(outPath, extname(outPath));
  const chartDir = join(dir, `${stem}-charts`);
  try {
    mkdirSync(chartDir, { recursive: true });
    for (const old of readdirSync(chartDir)) if (old.endsWith('.svg')) rmSync(join(chartDir, old));
    const charts = Object.entries(report.charts).map(([name, svg]) => {
      const path = join(chartDir, `${name}.svg`);
      writeFileSync(path, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
      return path;
    });
    writeAtomic(outPath, report.html);
    let jsonPath: string | null = null;
    if (json) {
      jsonPath = join(dir, `${stem}.json`);
      writeAtomic(jsonPath, `${JSON.stringify(report.data, null, 2)}\n`);
    }
    return { html: outPath, chartDir, charts, json: jsonPath, data: report.data };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'ENOTDIR' || code === 'EROFS' || code === 'EEXIST' || code === 'EISDIR') {
      throw new NetspaceError(messages.option.cannotWrite('--out', outPath, (error as Error).message));
    }
    throw error;
  }
}
