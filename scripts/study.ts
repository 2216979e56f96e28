// The A-to-E study's published numbers (experiments/anynet-a-to-e.yaml, README "The A-to-E study"): one chain from
// the study's database to the README, so that the text cannot drift from the data.
//
//   database (docs/study/anynet-a-to-e.db)
//     -> `netspace report --json` (analyzeSweep + reportJson, the same code) -> studyNumbers()
//     -> docs/study/numbers.json (the small committed fixture) -> studyTables() -> the README between the markers
//
// test/docs/study.test.ts checks both arrows: numbers.json is what studyNumbers() derives from the committed database,
// and the README's tables are what studyTables() renders from numbers.json.
//
// Run:
//   npx tsx scripts/study.ts snapshot <live.db>   copy a running study's database to docs/study/anynet-a-to-e.db (a file
//                                                 named *-seeds.db: to anynet-a-to-e-seeds.db), without
//                                                 the checkpoints of finished runs (a pending run keeps its own, to resume)
//   npx tsx scripts/study.ts publish              the report (HTML and SVGs) under docs/study/report/, numbers.json, and
//                                                 the README's tables
//   npx tsx scripts/study.ts resume <live.db>     copy the committed database to <live.db> (when it is missing) to resume
//   npx tsx scripts/study.ts tables <db>          the README's tables from any database of the study (yours, to compare)
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ANALYSIS_DEFAULTS, analyzeSweep, parseAnalysisOptions } from '../src/analysis/sweep.ts';
import { rankCorrelation } from '../src/analysis/rank.ts';
import { mean, median } from '../src/analysis/stats.ts';
import { isNetspaceError } from '../src/errors.ts';
import { errorAt } from '../src/analysis/fidelity.ts';
import { fidelityReport } from '../src/report/fidelity.ts';
import type { RunRecord, SweepRecord } from '../src/core/types.ts';
import { loadSweep } from '../src/report/load.ts';
import { openStore } from '../src/store/store.ts';
import { reportJson, writeReport, type ReportJson } from '../src/report/report.ts';

const ROOT = new URL('..', import.meta.url).pathname;
export const STUDY = {
  sweep: 'anynet-a-to-e',
  spec: 'experiments/anynet-a-to-e.yaml',
  /** The seed noise and the fidelity check in the study's setting, kept in the same database. */
  seedsSweep: 'anynet-a-to-e-seeds',
  fidelitySweep: 'anynet-a-to-e-fidelity',
  /** The fidelity check's models trained with the study's own 5-epoch schedule (experiments/anynet-a-to-e-budget.yaml). */
  budgetSweep: 'anynet-a-to-e-budget',
  db: join(ROOT, 'docs/study/anynet-a-to-e.db'),
  /** The seed-noise sweep's own database, beside the study's (see seedsSweep). */
  seedsDb: join(ROOT, 'docs/study/anynet-a-to-e-seeds.db'),
  numbers: join(ROOT, 'docs/study/numbers.json'),
  report: join(ROOT, 'docs/study/report/anynet-a-to-e.html'),
  readme: join(ROOT, 'README.md'),
} as const;

/** The paper's order of the spaces (A -> E, then RegNetX), for tables. */
const PAPER_ORDER = ['AnyNetX_A', 'AnyNetX_B', 'AnyNetX_C', 'AnyNetX_D', 'AnyNetX_E', 'RegNetX'];

/** Four significant decimals: enough for errors in points to two places, and stable across platforms. */
const r4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** What the README quotes, derived from `report --json` and the runs; every number rounded as stored here. */
export interface StudyNumbers {
  sweep: string;
  counts: { total: number; done: number; pending: number; failed: number; diverged: number };
  /** Spaces in the paper's order. */
  spaces: { space: string; n: number; medianError: number; meanError: number; minError: number; bestRunId: number }[];
  verdict: { kind: string; alpha: number; correction: string; sentences: string[] };
  /** Every pair of spaces: KS statistic, raw and Holm-adjusted p-values, median difference a - b with its interval. */
  pairs: { a: string; b: string; statistic: number; pValue: number; adjusted: number; differ: boolean; difference: number; low: number; high: number; level: number }[];
  /** Per space, the three parameters with the largest fANOVA importance (share of the error's variance). */
  importances: { space: string; runs: number; top: { name: string; importance: number }[] }[];
  /** Training cost: each run trains on one worker (one core of two); models per hour with both cores busy. */
  cost: { backends: string[]; engines: string[]; coreHours: number; modelsPerHour: number; workers: number };
  /** Size of the database file the numbers come from, bytes. */
  dbBytes: number;
  /** When the last finished run ended (ISO 8601): the study as of then. */
  lastFinished: string | null;
  /** Each fixed model trained with several seeds in the study's setting: the spread of its final errors. Null until one is done. */
  seedNoise: { runs: number; models: { model: string; n: number; meanError: number; sd: number; minError: number; maxError: number }[] } | null;
  /** The fidelity check (5 against 15 epochs): rank correlation per space and the trust verdict. Null until run. */
  fidelity: {
    low: number;
    full: number;
    trust: string;
    sentence: string;
    spaces: { space: string; pairs: number; spearman: number | null; low: number | null; high: number | null }[];
  } | null;
  /**
   * The study's own budget against the check's low fidelity: the check's models trained `epochs` epochs on their own
   * (the budget sweep: same configs, initial weights and data order), compared with epoch `epochs` of the check's
   * runs; and the rank correlation of the `epochs`-epoch error with the `full`-epoch error over every model the check
   * trained to `full`, all spaces together. Null until run.
   */
  budget: {
    epochs: number;
    full: number;
    /** Models in both sweeps, and how many of them have the same error after `epochs` epochs (to 1e-9). */
    compared: number;
    identical: number;
    /** Median over those models of (error at epoch `epochs` of the check's run − error of the short run). */
    medianDifference: number | null;
    /** Spearman's rho of the short runs' errors against the `full`-epoch errors, over `pairs` models. */
    pairs: number;
    spearman: Rho;
  } | null;
}

/** A Spearman coefficient with its 95% bootstrap interval, rounded; nulls where undefined. */
interface Rho {
  value: number | null;
  low: number | null;
  high: number | null;
}

/** The numbers the README quotes, from what `netspace report --json` writes for the sweep and its runs. */
export function studyNumbers(
  report: ReportJson,
  runs: readonly RunRecord[],
  dbBytes: number,
  extra: Pick<StudyNumbers, 'seedNoise' | 'fidelity' | 'budget'> = { seedNoise: null, fidelity: null, budget: null },
  workers = 2,
): StudyNumbers {
  const v = report.verdict;
  const byPaper = (a: string, b: string) => PAPER_ORDER.indexOf(a) - PAPER_ORDER.indexOf(b);
  const done = runs.filter((r) => r.status === 'done');
  const coreSeconds = done.reduce((s, r) => s + (r.seconds ?? 0), 0);
  return {
    sweep: report.sweep.name,
    counts: { total: report.counts.total, done: report.counts.done, pending: report.counts.pending + report.counts.running, failed: report.counts.failed, diverged: report.counts.diverged },
    spaces: [...v.spaces]
      .sort((a, b) => byPaper(a.space, b.space))
      .map((s) => ({ space: s.space, n: s.n, medianError: r4(s.medianError), meanError: r4(s.meanError), minError: r4(s.minError), bestRunId: s.bestRunId })),
    verdict: { kind: v.kind, alpha: v.options.alpha, correction: v.correction, sentences: v.sentences },
    pairs: v.pairs.map((p) => ({
      a: p.a,
      b: p.b,
      statistic: r4(p.statistic),
      pValue: r4(p.pValue),
      adjusted: r4(p.adjusted),
      differ: p.differ,
      difference: r4(p.medianDifference.value),
      low: r4(p.medianDifference.low),
      high: r4(p.medianDifference.high),
      level: p.medianDifference.level,
    })),
    importances: report.designChoices.spaces
      .filter((s) => s.importance !== null)
      .sort((a, b) => byPaper(a.space, b.space))
      .map((s) => ({
        space: s.space,
        runs: s.importance!.n,
        top: [...s.importance!.parameters]
          .sort((a, b) => b.importance - a.importance)
          .slice(0, 3)
          .map((p) => ({ name: p.name, importance: r4(p.importance) })),
      })),
    cost: {
      backends: [...new Set(done.map((r) => r.backend ?? 'unknown'))].sort(),
      engines: [...new Set(done.map((r) => r.engine ?? 'unknown'))].sort(),
      coreHours: r4(coreSeconds / 3600),
      modelsPerHour: coreSeconds > 0 ? Math.round((done.length / coreSeconds) * 3600 * workers * 10) / 10 : 0,
      workers,
    },
    dbBytes,
    lastFinished: done.reduce<string | null>((last, r) => (r.finishedAt !== null && (last === null || r.finishedAt > last) ? r.finishedAt : last), null),
    ...extra,
  };
}

/** The sweep `name` of `db`, or null when the database has no such sweep (yet). */
function sweepOrNull(db: string, name: string): SweepRecord | null {
  try {
    return loadSweep(db, name);
  } catch (error) {
    if (isNetspaceError(error)) return null;
    throw error;
  }
}

/** Sample standard deviation (n - 1). */
const sd = (xs: readonly number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

/** The seed-noise sweep's spread per model, from its done runs. */
export function seedNoiseOf(sweep: SweepRecord | null): StudyNumbers['seedNoise'] {
  if (sweep === null) return null;
  const done = sweep.runs.filter((r) => r.status === 'done' && r.finalError !== null);
  if (done.length === 0) return null;
  const models = [...new Set(done.map((r) => r.space))].map((model) => {
    const errors = done.filter((r) => r.space === model).map((r) => r.finalError!);
    return { model, n: errors.length, meanError: r4(mean(errors)), sd: r4(sd(errors)), minError: r4(Math.min(...errors)), maxError: r4(Math.max(...errors)) };
  });
  return { runs: done.length, models };
}

/** The fidelity check's numbers, with the report's own seed and bootstrap settings. */
export function fidelityOf(sweep: SweepRecord | null): StudyNumbers['fidelity'] {
  const check = sweep === null ? null : fidelityReport(sweep, { seed: ANALYSIS_DEFAULTS.seed, resamples: ANALYSIS_DEFAULTS.bandResamples, level: ANALYSIS_DEFAULTS.bandLevel })?.analysis.check;
  if (check === null || check === undefined) return null;
  return {
    low: check.low,
    full: check.full,
    trust: check.trust,
    sentence: check.sentence,
    spaces: check.spaces.map((s) => {
      const spearman = s.correlation?.spearman;
      return { space: s.space, pairs: s.pairs, spearman: round(spearman?.value), low: round(spearman?.low), high: round(spearman?.high) };
    }),
  };
}

const round = (x: number | null | undefined): number | null => (x === null || x === undefined ? null : r4(x));

/** Spearman's rho of the pairs with the report's bootstrap settings; `stream` keeps each sample's resamples apart. */
function rho(pairs: readonly [number, number][], stream: string): Rho {
  if (pairs.length < 3) return { value: null, low: null, high: null };
  const { spearman } = rankCorrelation(
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
    { seed: ANALYSIS_DEFAULTS.seed, resamples: ANALYSIS_DEFAULTS.bandResamples, level: ANALYSIS_DEFAULTS.bandLevel, stream },
  );
  return { value: round(spearman.value), low: round(spearman.low), high: round(spearman.high) };
}

/**
 * The study's budget against the fidelity check (StudyNumbers.budget): each done run of the budget sweep paired by
 * config with the check's run of the same config (the same seed, so the same initial weights and data order).
 */
export function budgetOf(budget: SweepRecord | null, check: SweepRecord | null): StudyNumbers['budget'] {
  if (budget === null || check === null) return null;
  const epochs = (budget.spec as { train: { epochs: number } }).train.epochs;
  const full = (check.spec as { train: { epochs: number } }).train.epochs;
  const long = new Map(check.runs.map((r) => [r.configKey, r]));
  const matched = budget.runs.flatMap((r) => {
    const c = long.get(r.configKey);
    const early = c === undefined ? null : errorAt(c, epochs);
    if (r.status !== 'done' || r.finalError === null || c === undefined || early === null) return [];
    return [{ short: r.finalError, early, full: c.status === 'done' ? errorAt(c, full) : null }];
  });
  if (matched.length === 0) return null;
  const differences = matched.map((m) => m.early - m.short);
  const atFull = matched.flatMap((m) => (m.full === null ? [] : [[m.short, m.full] as [number, number]]));
  return {
    epochs,
    full,
    compared: matched.length,
    identical: differences.filter((d) => Math.abs(d) < 1e-9).length,
    medianDifference: round(median(differences)),
    pairs: atFull.length,
    spearman: rho(atFull, 'budget'),
  };
}

/** The numbers of the study's database at `db`, as `netspace report --json` (default options) would give them. */
export function deriveStudyNumbers(db: string): StudyNumbers {
  const sweep: SweepRecord = loadSweep(db, STUDY.sweep);
  const report = reportJson(analyzeSweep(sweep, parseAnalysisOptions({}, 'study')));
  return studyNumbers(report, sweep.runs, statSync(db).size, extrasOf(db));
}

/** The numbers of the study's side sweeps in `db` (or beside it): seed noise, the fidelity check, the budget. */
function extrasOf(db: string): Pick<StudyNumbers, 'seedNoise' | 'fidelity' | 'budget'> {
  const check = sweepOrNull(db, STUDY.fidelitySweep);
  return { seedNoise: seedNoiseOf(seedsSweep(db)), fidelity: fidelityOf(check), budget: budgetOf(sweepOrNull(db, STUDY.budgetSweep), check) };
}

/** The seed-noise sweep: in the study's database, else in its own file beside it (`<db stem>-seeds.db`). */
function seedsSweep(db: string): SweepRecord | null {
  const beside = db.replace(/\.db$/, '-seeds.db');
  return sweepOrNull(db, STUDY.seedsSweep) ?? (beside !== db && existsSync(beside) ? sweepOrNull(beside, STUDY.seedsSweep) : null);
}

/** Runs per space under which the report warns that a section is thin (its fewRuns), said here too. */
const FEW_RUNS = 10;
const pct = (x: number, digits = 1): string => `${(x * 100).toFixed(digits)}%`;
const pts = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(1)}`;
const pValue = (p: number): string => (p >= 0.9999 ? '1' : p < 0.001 ? '< 0.001' : p.toFixed(3));

/** The README's tables (markdown), rendered from the numbers alone. */
export function studyTables(n: StudyNumbers): string {
  const lines: string[] = [];
  const progress = n.counts.pending > 0 ? `, ${n.counts.pending} still to train` : '';
  const asOf = n.lastFinished === null ? '' : ` (as of ${n.lastFinished.slice(0, 16).replace('T', ' ')} UTC)`;
  lines.push(`${n.counts.done} of ${n.counts.total} runs done${progress}${asOf}; ${n.counts.failed} failed, ${n.counts.diverged} diverged.`, '');
  lines.push('| space | runs | median error | mean error | best error (run) |', '|---|---|---|---|---|');
  for (const s of n.spaces) lines.push(`| ${s.space} | ${s.n} | ${pct(s.medianError)} | ${pct(s.meanError)} | ${pct(s.minError)} (#${s.bestRunId}) |`);
  lines.push('', `Verdict (${n.verdict.kind}): ${n.verdict.sentences[0]}`, '');
  const level = n.pairs[0] === undefined ? 0.95 : n.pairs[0].level;
  lines.push(
    `| pair (a vs b) | KS D | p | Holm-adjusted p | median error a − b, points (${Math.round(level * 100)}% bootstrap interval) | differ at ${Math.round(n.verdict.alpha * 100)}%? |`,
    '|---|---|---|---|---|---|',
  );
  for (const p of n.pairs) {
    lines.push(`| ${p.a} vs ${p.b} | ${p.statistic.toFixed(2)} | ${pValue(p.pValue)} | ${pValue(p.adjusted)} | ${pts(p.difference)} (${pts(p.low)} to ${pts(p.high)}) | ${p.differ ? '**yes**' : 'no'} |`);
  }
  lines.push('', '| space | runs | most important parameters (fANOVA share of the error variance) |', '|---|---|---|');
  for (const s of n.importances) lines.push(`| ${s.space} | ${s.runs} | ${s.top.map((t) => `${t.name} ${pct(t.importance, 0)}`).join(', ')} |`);
  const fewest = Math.min(...n.importances.map((s) => s.runs));
  if (fewest < FEW_RUNS) lines.push('', `Importances from fewer than ${FEW_RUNS} runs per space (here as few as ${fewest}) are rough: a forest fitted to so few errors moves with each new run.`);
  lines.push('');
  if (n.seedNoise === null) lines.push('Seed noise in this setting: not yet run (experiments/anynet-a-to-e-seeds.yaml).');
  else {
    lines.push(`Seed noise in this setting (${n.seedNoise.runs} runs of experiments/anynet-a-to-e-seeds.yaml):`, '');
    lines.push('| model | seeds | mean error | sd, points | range |', '|---|---|---|---|---|');
    for (const m of n.seedNoise.models) lines.push(`| ${m.model} | ${m.n} | ${pct(m.meanError)} | ${(m.sd * 100).toFixed(2)} | ${pct(m.minError)} to ${pct(m.maxError)} |`);
  }
  lines.push('');
  if (n.fidelity === null) lines.push('Fidelity check of the 5-epoch budget: not yet run (experiments/anynet-a-to-e-fidelity.yaml).');
  else {
    const f = n.fidelity;
    lines.push(`Fidelity check, ${f.low} against ${f.full} epochs (${f.trust}): ${f.sentence}`, '');
    lines.push(`| space | runs at both | Spearman rho (95% interval) |`, '|---|---|---|');
    for (const s of f.spaces) lines.push(`| ${s.space} | ${s.pairs} | ${s.spearman === null ? '-' : `${s.spearman.toFixed(2)} (${s.low!.toFixed(2)} to ${s.high!.toFixed(2)})`} |`);
  }
  lines.push('');
  if (n.budget === null) lines.push('The study\'s own budget against the check: not yet run (experiments/anynet-a-to-e-budget.yaml).');
  else {
    const b = n.budget;
    const same =
      b.identical === b.compared
        ? `all ${b.compared} have the same error to the last digit (the chapter's recipe keeps the learning rate constant, so epoch ${b.epochs} of a longer run is a ${b.epochs}-epoch run)`
        : `${b.identical} of ${b.compared} have the same error; the check's epoch ${b.epochs} is ${pts(b.medianDifference ?? 0)} points from them (median)`;
    const r = b.spearman;
    const correlation = r.value === null ? 'too few to rank' : `${r.value.toFixed(2)} (95% interval ${r.low?.toFixed(2) ?? '?'} to ${r.high?.toFixed(2) ?? '?'})`;
    lines.push(
      `The study's ${b.epochs}-epoch budget against the check's epoch ${b.epochs} (experiments/anynet-a-to-e-budget.yaml: the check's ` +
        `${b.compared} models trained ${b.epochs} epochs on their own, same initial weights and data order): ${same}. ` +
        `Spearman rho of their ${b.epochs}-epoch errors against ${b.full} epochs over all ${b.pairs} models the check trained that long, the three spaces together: ${correlation}.`,
    );
  }
  const c = n.cost;
  lines.push(
    '',
    `Cost: ${c.coreHours.toFixed(2)} core-hours of training for ${n.counts.done} runs (each run on one worker, one core), ` +
      `${c.modelsPerHour.toFixed(1)} models per hour with ${c.workers} workers on ${c.workers} cores; backend ${c.backends.join(', ')} (${c.engines.join('; ')}).`,
    '',
    `The database these numbers come from: ${(n.dbBytes / 1e6).toFixed(2)} MB.`,
  );
  return lines.join('\n');
}

const BEGIN = '<!-- study:tables (scripts/study.ts publish writes this part; test/docs/study.test.ts checks it) -->';
const END = '<!-- /study:tables -->';

/** The README's text between the study markers, or null when the markers are missing. */
export function readmeTables(readme: string): string | null {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  return start < 0 || end < start ? null : readme.slice(start + BEGIN.length, end).trim();
}

function replaceTables(readme: string, tables: string): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${BEGIN} ... ${END} markers`);
  return `${readme.slice(0, start + BEGIN.length)}\n${tables}\n${readme.slice(end)}`;
}

/** A copy of `live` at `out` without the checkpoints of finished runs (kept: a pending run's, to resume from). */
function snapshot(live: string, out: string): void {
  rmSync(out, { force: true });
  const source = new Database(live, { readonly: true, fileMustExist: true });
  try {
    // The online backup reads a consistent state while the sweep goes on writing.
    source.exec(`VACUUM INTO '${out.replace(/'/g, "''")}'`);
  } finally {
    source.close();
  }
  // The published copy keeps a pending run's checkpoint (to resume from), not a finished run's: the store has no call
  // for that, since a live sweep never drops a finished model.
  const raw = new Database(out);
  try {
    raw.exec("DELETE FROM checkpoints WHERE run_id IN (SELECT id FROM runs WHERE status NOT IN ('pending', 'running'))");
  } finally {
    raw.close();
  }
  // Nobody holds the copy: the running process (and its host) is the live database's, and a copy that named it
  // would be refused by the next `sweep run` as a sweep another process is running. Its runs in flight are pending.
  const store = openStore(out);
  try {
    for (const { id, name } of store.listSweeps()) {
      const owner = store.sweepOwner(name);
      if (owner !== null) store.releaseSweep(id, owner);
      store.resetRunning(id);
    }
  } finally {
    store.close();
  }
  // Back out of the store's WAL: a committed file is read as one file, without -wal and -shm beside it.
  const vacuum = new Database(out);
  try {
    vacuum.pragma('journal_mode = DELETE');
    vacuum.exec('VACUUM');
  } finally {
    vacuum.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, path] = argv;
  if (command === 'snapshot' && path !== undefined) {
    const out = path.endsWith('-seeds.db') ? STUDY.seedsDb : STUDY.db;
    snapshot(path, out);
    console.log(`wrote ${out} (${(statSync(out).size / 1e6).toFixed(2)} MB)`);
  } else if (command === 'resume' && path !== undefined) {
    if (existsSync(path)) throw new Error(`${path} exists: resume it as it is`);
    copyFileSync(STUDY.db, path);
    console.log(`copied ${STUDY.db} to ${path}; resume with: node bin/netspace.js sweep run ${STUDY.spec} --db ${path}`);
  } else if (command === 'tables' && path !== undefined) {
    // Your own study database, for comparing with the README's tables.
    console.log(studyTables(deriveStudyNumbers(path)));
  } else if (command === 'publish') {
    const sweep = loadSweep(STUDY.db, STUDY.sweep);
    const written = await writeReport(sweep, STUDY.report, { now: new Date(statSync(STUDY.db).mtime) });
    const numbers = studyNumbers(written.data, sweep.runs, statSync(STUDY.db).size, extrasOf(STUDY.db));
    writeFileSync(STUDY.numbers, `${JSON.stringify(numbers, null, 2)}\n`);
    writeFileSync(STUDY.readme, replaceTables(readFileSync(STUDY.readme, 'utf8'), studyTables(numbers)));
    console.log(`wrote ${written.html} (${written.charts.length} charts), ${STUDY.numbers} and the README's tables`);
  } else {
    console.error('usage (from the repository root): npx tsx scripts/study.ts snapshot <live.db> | resume <live.db> | tables <db> | publish');
    process.exitCode = 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
