// SweepAnalysis + rendered SVGs -> one self-contained HTML page (inline CSS and SVG, no script, nothing fetched).
import type { SweepAnalysis } from '../analysis/sweep.ts';
import { importanceCaption, spaceSlugs } from './design-charts.ts';
import { describeConfig, describeSampled, escapeHtml as esc, pValue, percent, si, value } from './format.ts';

/** What the page needs besides the analysis. */
export interface PageInput {
  analysis: SweepAnalysis;
  /** Chart name -> SVG, in page order (the names chartSpecs gives). */
  charts: Record<string, string>;
  /** When the page was made, shown in its header. */
  generatedAt: Date;
  /** Whole sections of optional analyses (a sweep's fidelity schedule: report/fidelity.ts), after the distributions. */
  sections?: readonly string[];
}

/**
 * The page forbids itself every fetch (Content-Security-Policy default-src 'none'): a report must open the same on a
 * laptop offline as on the machine that wrote it, and this turns any stray reference into a visible console error.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS = `
:root { color-scheme: light; --ink: #1d2327; --muted: #5f6b73; --line: #dde3e8; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, sans-serif; color: var(--ink); background: #fafbfc; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: 0.2rem 0; word-break: break-word; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
p, li { max-width: 75ch; }
.meta, figcaption, .small { color: var(--muted); font-size: 0.9rem; }
.notes { background: #fff8e6; border: 1px solid #f0d9a0; border-radius: 6px; padding: 0.5rem 1rem 0.5rem 2rem; }
.empty { font-size: 1.15rem; font-weight: 600; padding: 1rem; background: #eef3f8; border-radius: 6px; }
.charts { display: grid; gap: 1rem; margin-top: 1rem; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); }
figure { margin: 0; background: white; border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem; min-width: 0; }
figure .svg svg { display: block; width: 100%; height: auto; margin: 0 auto; }
figcaption { margin-top: 0.4rem; }
.table-wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; background: white; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { padding: 0.35rem 0.6rem; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #f1f4f7; font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
span.config { display: inline-block; font-family: ui-monospace, monospace; font-size: 0.82rem; min-width: 16rem; }
.good { color: #2f6b2f; font-weight: 600; }
footer { margin: 2.5rem 0 1rem; }
@media (max-width: 600px) {
  main { padding: 0.5rem; }
  h1 { font-size: 1.25rem; }
  table { font-size: 0.8rem; }
  th, td { padding: 0.3rem 0.4rem; }
}
`;

export function table(head: string[], rows: string[][], numeric: boolean[] = []): string {
  const cell = (tag: 'th' | 'td', text: string, i: number): string =>
    `<${tag}${numeric[i] ? ' class="num"' : ''}>${text}</${tag}>`;
  return (
    '<div class="table-wrap"><table>' +
    `<thead><tr>${head.map((h, i) => cell('th', h, i)).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell('td', c, i)).join('')}</tr>`).join('\n')}</tbody>` +
    '</table></div>'
  );
}

/** Width attribute of an SVG, so that a small chart is not blown up past its drawn size. */
function svgWidth(svg: string): number | null {
  const match = /^<svg[^>]*\swidth="([\d.]+)"/.exec(svg);
  return match ? Number(match[1]) : null;
}

/** How much a chart may grow past its drawn size on a wide screen. */
const GROWTH: Record<string, number> = { status: 1 };

function figure(name: string, svg: string, caption: string): string {
  const width = svgWidth(svg);
  // Charts are drawn small enough to stay legible on a phone and may grow up to 1.5x on a desktop column.
  const style = width === null ? '' : ` style="max-width:${Math.ceil(width * (GROWTH[name] ?? 1.5))}px"`;
  return `<figure id="chart-${esc(name)}" data-chart="${esc(name)}"><div class="svg"${style}>${svg}</div><figcaption>${caption}</figcaption></figure>`;
}

export function figures(charts: Record<string, string>, items: [name: string, caption: string][]): string {
  const present = items.filter(([name]) => charts[name] !== undefined);
  if (present.length === 0) return '';
  return `<div class="charts">${present.map(([name, caption]) => figure(name, charts[name]!, caption)).join('\n')}</div>`;
}

function summarySection(a: SweepAnalysis): string {
  const rows = a.spaces.map((s) => {
    const best = s.best;
    const config = best === null ? '–' : `<span class="config">#${best.runId}: ${esc(describeConfig(best.config))}${describeSampled(best.sampled) === '' ? '' : `<br>${esc(describeSampled(best.sampled))}`}<br>${si(best.flops)} flops · ${si(best.params)} params</span>`;
    return [
      esc(s.space),
      String(s.counts.total),
      String(s.counts.done),
      String(s.counts.failed),
      String(s.counts.diverged),
      String(s.counts.pending + s.counts.running),
      percent(s.minError),
      percent(s.medianError),
      percent(s.meanError),
      config,
    ];
  });
  return (
    '<section id="summary"><h2>Design spaces</h2>' +
    table(
      ['space', 'runs', 'done', 'failed', 'diverged', 'pending / running', 'min error', 'median error', 'mean error', 'best run (d_i, w_i, g_i, b_i)'],
      rows,
      [false, true, true, true, true, true, true, true, true, false],
    ) +
    '</section>'
  );
}

function ksSection(a: SweepAnalysis): string {
  if (a.ks.length === 0) return '';
  const median = new Map(a.spaces.map((s) => [s.space, s.medianError]));
  const rows = a.ks.map((k) => {
    const ma = median.get(k.a) ?? null;
    const mb = median.get(k.b) ?? null;
    const lower = ma === null || mb === null || ma === mb ? '–' : esc(ma < mb ? k.a : k.b);
    const verdict = k.pValue < 0.05 ? '<span class="good">differ (p &lt; 0.05)</span>' : 'no evidence of a difference';
    return [`${esc(k.a)} vs ${esc(k.b)}`, `${k.n} / ${k.m}`, k.statistic.toFixed(3), pValue(k.pValue), k.method, lower, verdict];
  });
  return (
    '<h3>Two-sample Kolmogorov–Smirnov tests</h3>' +
    '<p class="small">D is the largest vertical gap between two EDFs; the p-value is the chance of a gap at least this large if ' +
    'both spaces had the same error distribution (exact lattice count, or Kolmogorov’s limit for very large samples). ' +
    'With many pairs, expect about one in twenty to fall under 0.05 by chance.</p>' +
    table(['pair', 'runs', 'D', 'p-value', 'p from', 'lower median error', 'verdict'], rows, [false, true, true, true, false, false, false])
  );
}

function rangeSection(a: SweepAnalysis): string {
  const rows = a.parameters.flatMap((p) =>
    p.ranges.map((r) => [esc(p.name), esc(r.space), String(r.n), value(r.low), `<b>${value(r.median)}</b>`, value(r.high)]),
  );
  const constant =
    a.constantParameters.length === 0
      ? ''
      : `<p class="small">Same in every finished run, so not plotted: ${a.constantParameters
          .map((c) => `${esc(c.name)} = ${value(c.value)}`)
          .join(', ')}.</p>`;
  if (rows.length === 0) return constant;
  return (
    '<h3>Good ranges</h3>' +
    `<p class="small">Percentiles of the parameter value of the best run among ${percent(a.options.goodRangeSample, 0)} of the runs, ` +
    `drawn with replacement ${a.options.goodRangeResamples} times (pycls's bootstrap). Each space's parameters are its own, as ` +
    'drawn (before widths are made compatible with b and g): d_i, w_i, b_i, g_i per stage, one d, w, b or g where the space ' +
    'shares it, and RegNetX’s d (all stages), w0, wa, wm, g and b.</p>' +
    table(['parameter', 'space', 'runs', '2.5%', 'median', '97.5%'], rows, [false, false, true, true, true, true]) +
    constant
  );
}

function statusLine(a: SweepAnalysis): string {
  const c = a.counts;
  return `${c.total} runs: ${c.done} done, ${c.running} running, ${c.pending} pending, ${c.failed} failed, ${c.diverged} diverged`;
}

/** The whole page. Every text from the sweep (names, spaces, configs) is escaped. */
export function reportPage({ analysis: a, charts, generatedAt, sections = [] }: PageInput): string {
  const band = Math.round(a.options.bandLevel * 100);
  const paramFigures: [string, string][] = a.parameters.map((p) => [
    `param-${p.name}`,
    `Error against ${esc(p.label)}, one panel per space. Shaded: the good range (2.5th–97.5th percentile of the best run's value); black rule: its median; ` +
      `red line: the error trend, a loess fit of error against the value${p.log ? ' (on a log scale)' : ''} in spaces with at least four distinct values.`,
  ]);
  const slugs = spaceSlugs(a.designChoices.spaces.map((s) => s.space));
  const choiceFigures: [string, string][] = a.designChoices.spaces.flatMap((s, i): [string, string][] => [
    ...(s.importance === null ? [] : [[`importance-${slugs[i]}`, esc(importanceCaption(s, a.designChoices.options.scale))] as [string, string]]),
    [`parallel-${slugs[i]}`, `Every finished run of ${esc(s.space)} as a line across its parameters, coloured by its error (darkest: lowest error, drawn on top). Each axis spans the parameter's range as the space samples it, on a log scale where it is sampled log-uniformly; the numbers at the ends are its low and high.`],
  ]);
  const normalized = a.normalizedEdf;
  const normalizedCaption =
    normalized === null
      ? ''
      : `Each space's runs weighted so that its flops are uniform over the ${normalized.sharedBins.length} of ${normalized.bins} log-spaced bins ` +
        `between ${si(normalized.edges[0]!)} and ${si(normalized.edges[normalized.edges.length - 1]!)} flops that every space fills ` +
        '(Radosavovic et al. 2019). A space no longer wins only by sampling bigger models.';
  const empty = a.edfs.length === 0 ? '<p class="empty">No finished runs yet.</p>' : '';
  const notes = a.notes.length === 0 ? '' : `<ul class="notes">${a.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
  const section = (id: string, title: string, body: string): string => (body.trim() === '' ? '' : `<section id="${id}"><h2>${title}</h2>${body}</section>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>netspace report: ${esc(a.sweep.name)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<h1>Sweep ${esc(a.sweep.name)}</h1>
<p class="meta">${esc(statusLine(a))} · sweep created ${esc(a.sweep.createdAt)} · report generated ${esc(generatedAt.toISOString())}</p>
</header>
${empty}
${notes}
${summarySection(a)}
${figures(charts, [['status', 'Runs by status in each space. Only done runs enter the error charts below.']])}
${section(
  'distributions',
  'Do the spaces differ?',
  figures(charts, [
    ['edf', `Error EDF F(e) = fraction of a space's finished runs with error below e (paper eq. 1); shaded: pointwise ${band}% bootstrap band over ${a.options.bandResamples} resamples. Lower and further left is better.`],
    ['edf-normalized', normalizedCaption],
  ]) + ksSection(a),
)}
${sections.join('\n')}
${section(
  'complexity',
  'Error and complexity',
  figures(charts, [
    ['error-vs-flops', 'Final error of every finished run against its analytic flops.'],
    ['error-vs-params', 'Final error against parameter count.'],
  ]),
)}
${section('design-choices', 'Which design choices matter', figures(charts, choiceFigures))}
${section('parameters', 'Which parameter values are good', figures(charts, paramFigures) + rangeSection(a))}
${section(
  'training',
  'How training went',
  figures(charts, [
    ['curves-best', 'Validation error (left) and training loss (right) per epoch of the best finished runs.'],
    ['curves-worst', 'The same for the worst finished runs (never the same runs as above).'],
    ['widths', 'Output channels of every block of the best runs, log scale. Dashed: u_j = w0 + wa·j for RegNet runs (paper eq. 2), else the least-squares line through the widths.'],
  ]),
)}
<footer class="small">Made by netspace from the sweep database; charts drawn by vega-lite and vega to inline SVG. Seed ${a.options.seed}; the numbers behind every chart come out of <code>netspace report --json</code>.</footer>
</main>
</body>
</html>
`;
}
