// The verdict in words: the sentences that open the report, end `sweep run` and go into `report --json`, and the
// warnings beside charts drawn from too few runs.
import type { EvidenceSection, ThinEvidence } from '../analysis/sweep.ts';
import { POWER_GRID, type PairVerdict, type PowerEstimate, type SpaceErrors, type Verdict } from '../analysis/verdict.ts';
import { pValue, percent } from './format.ts';

/** A difference of error rates in percentage points: 0.043 -> "4.3 points". */
function points(x: number): string {
  const value = (Math.abs(x) * 100).toFixed(1);
  return `${value} ${value === '1.0' ? 'point' : 'points'}`;
}

/** "6 runs per space", "4 to 6 runs per space". */
function runsPerSpace(spaces: readonly { n: number }[]): string {
  const counts = spaces.map((s) => s.n);
  const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
  return lo === hi ? `${lo} run${lo === 1 ? '' : 's'} per space` : `${lo} to ${hi} runs per space`;
}

const level = (x: number): string => `${Math.round(x * 100)}%`;

/** The pair's spaces, the lower-error one first, with the difference of medians and its interval in that direction. */
function ordered(p: PairVerdict): { low: string; high: string; difference: number; from: number; to: number } {
  const d = p.medianDifference;
  return p.lower === p.b
    ? { low: p.b, high: p.a, difference: d.value, from: d.low, to: d.high }
    : { low: p.a, high: p.b, difference: -d.value, from: -d.high, to: -d.low };
}

function medianOf(v: Verdict, space: string): number {
  return v.spaces.find((s) => s.space === space)!.medianError;
}

/** "RegNetX has lower error than AnyNetX_A: median 11.2% against 15.5%, 4.3 points lower (95% bootstrap interval 2.4 to 5.4)". */
function differenceClause(v: Verdict, p: PairVerdict): string {
  const o = ordered(p);
  const interval = `${level(p.medianDifference.level)} bootstrap interval ${signedPoints(o.from)} to ${signedPoints(o.to)}`;
  return `${o.low} has lower error than ${o.high}: median ${percent(medianOf(v, o.low), 1)} against ${percent(medianOf(v, o.high), 1)}, ${points(o.difference)} lower (${interval})`;
}

/** An interval end in points, with a minus sign when it crosses to the other side. */
function signedPoints(x: number): string {
  return `${x < 0 ? '-' : ''}${(Math.abs(x) * 100).toFixed(1)}`;
}

/** How many runs per space the power estimate asks for, as a phrase: "about 40 runs per space". */
export function neededRuns(power: PowerEstimate): string {
  return power.runsPerSpace === null ? `more than ${POWER_GRID[POWER_GRID.length - 1]} runs per space` : `about ${power.runsPerSpace} runs per space`;
}

/** The power sentence of one pair. */
export function powerSentence(p: PairVerdict): string {
  const power = p.power!;
  const how = `${level(power.power)} of the time at the ${pValueLevel(power.testLevel)} level of each test`;
  const estimate = "(a power estimate simulated from these runs' spread, not a guarantee)";
  return power.basis === 'observed'
    ? `If the median errors of ${p.a} and ${p.b} truly differ by the ${points(power.difference)} seen here, ${neededRuns(power)} would show it ${how} ${estimate}.`
    : `Showing a true difference of ${points(power.difference)} in median error between ${p.a} and ${p.b} (the smallest this estimate looks for; ` +
        `${points(p.medianDifference.value)} is seen here) ${how} would take ${neededRuns(power)} ${estimate}.`;
}

/** A test level as a percentage with enough digits: 0.05 / 3 -> "1.67%". */
function pValueLevel(x: number): string {
  const pct = x * 100;
  return `${Number.isInteger(pct) ? pct : pct.toPrecision(3)}%`;
}

/** "RegNetX has the lowest median error (11.2%; AnyNetX_E 14.4%, AnyNetX_A 14.6%)". */
function orderClause(spaces: readonly SpaceErrors[]): string {
  const [first, ...rest] = spaces;
  return `${first!.space} has the lowest median error (${percent(first!.medianError, 1)}; ${rest.map((s) => `${s.space} ${percent(s.medianError, 1)}`).join(', ')})`;
}

/** The pair with the largest observed difference of medians among those that do not differ. */
function largestOpen(v: Verdict): PairVerdict | null {
  const open = v.pairs.filter((p) => !p.differ && p.power !== null);
  return open.sort((x, y) => Math.abs(y.medianDifference.value) - Math.abs(x.medianDifference.value))[0] ?? null;
}

const SENTENCES: Record<Verdict['kind'], (v: Verdict) => string[]> = {
  'no-runs': () => ['No finished runs yet: there is nothing to judge.'],
  'one-space': (v) => [
    `Only one design space has finished runs (${v.spaces[0]!.space}: median error ${percent(v.spaces[0]!.medianError, 1)} over ${v.spaces[0]!.n} run${v.spaces[0]!.n === 1 ? '' : 's'}), so there is nothing to compare it with.`,
  ],
  differ: (v) => {
    const differ = v.pairs.filter((p) => p.differ);
    const family = `two-sample KS tests at the ${level(v.options.alpha)} level with Holm's correction over ${v.pairs.length} pair${v.pairs.length === 1 ? '' : 's'}, ${runsPerSpace(v.spaces)}`;
    return [
      `The evidence supports a difference ${differ.length < v.pairs.length ? `for ${differ.length} of ${v.pairs.length} pairs of spaces` : v.pairs.length === 1 ? 'between the two spaces' : 'between every pair of spaces'} (${family}).`,
      ...differ.map((p) => `${differenceClause(v, p)}; D = ${p.statistic.toFixed(2)}, adjusted p = ${pValue(p.adjusted)}.`),
      ...v.pairs
        .filter((p) => !p.differ)
        .map((p) => `No difference is shown between ${p.a} and ${p.b} (median ${percent(medianOf(v, p.a), 1)} against ${percent(medianOf(v, p.b), 1)}, adjusted p = ${pValue(p.adjusted)}). ${powerSentence(p)}`),
    ];
  },
  'no-difference': (v) => {
    // Holm caps adjusted p-values at 1: among pairs tied there, the smallest raw p-value is the closest call.
    const closest = [...v.pairs].sort((x, y) => x.adjusted - y.adjusted || x.pValue - y.pValue)[0]!;
    const open = largestOpen(v);
    return [
      `The evidence does not show a difference between any two spaces: no two-sample KS test reaches the ${level(v.options.alpha)} level after Holm's correction over ${v.pairs.length} pairs ` +
        `(smallest adjusted p = ${pValue(closest.adjusted)}, ${closest.a} vs ${closest.b}).`,
      `${orderClause(v.spaces)}, but with ${runsPerSpace(v.spaces)} that order may be chance.`,
      ...(open === null ? [] : [powerSentence(open)]),
    ];
  },
  'at-chance': (v) => [
    `Every finished run is near chance (chance is ${percent(v.chanceError ?? Number.NaN, 0)} error here; median errors ${v.spaces.map((s) => `${s.space} ${percent(s.medianError, 1)}`).join(', ')}): ` +
      'the models learnt next to nothing in this setting, so these runs say nothing about the spaces; train longer, on more images, or with another learning rate.',
  ],
  'too-few': (v) => {
    const smallest = Math.min(...v.pairs.map((p) => p.smallestPValue));
    const open = largestOpen(v);
    return [
      `Too few runs to tell the spaces apart: with ${runsPerSpace(v.spaces)}, even two samples that do not overlap give a KS p-value of ${pValue(smallest)}, ` +
        `which Holm's correction over ${v.pairs.length} pair${v.pairs.length === 1 ? '' : 's'} cannot bring under ${level(v.options.alpha)}.`,
      `${orderClause(v.spaces)}, which says little on so few runs.`,
      ...(open === null ? [] : [powerSentence(open)]),
    ];
  },
};

/**
 * The verdict as sentences, the headline first: which spaces differ and by how much, or why nothing can be told and
 * how many runs it would take. A sweep with runs still to finish is said to be judged so far.
 */
export function verdictSentences(v: Verdict): string[] {
  const sentences = SENTENCES[v.kind](v);
  if (v.unfinished > 0 && v.kind !== 'no-runs') sentences[0] = `So far, with ${v.unfinished} run${v.unfinished === 1 ? '' : 's'} still to finish: ${sentences[0]!}`;
  if (v.stopped > 0 && v.kind !== 'no-runs') {
    sentences.push(`${v.stopped} run${v.stopped === 1 ? '' : 's'} stopped early by the fidelity schedule ${v.stopped === 1 ? 'is' : 'are'} left out: only runs trained to the full budget are compared.`);
  }
  return sentences;
}

/** What each evidence section is called in a warning. */
const SECTION_WORDS: Record<EvidenceSection, string> = {
  edf: 'These EDFs are drawn',
  'edf-normalized': 'These complexity-normalised EDFs are drawn',
  parameters: 'These plots and good ranges are drawn',
  'design-choices': 'These importances are estimated',
};

/**
 * The warning beside a chart built on too few runs, e.g. "These complexity-normalised EDFs are drawn from 2 runs per
 * space (AnyNetX_A 2, RegNetX 2): too few to read much into; 10 per space is the least this report trusts."; null
 * when the section has enough.
 */
export function thinWarning(thin: readonly ThinEvidence[], section: EvidenceSection): string | null {
  const t = thin.find((x) => x.section === section);
  if (t === undefined) return null;
  const runs = t.spaces.map((s) => s.runs);
  const least = Math.min(...runs);
  const most = Math.max(...runs);
  const amount = least === most ? `${least} run${least === 1 ? '' : 's'}` : `${least} to ${most} runs`;
  const which = t.spaces.map((s) => `${s.space} ${s.runs}`).join(', ');
  return `${SECTION_WORDS[section]} from ${amount} per space in ${which}: too few to read much into; ${t.fewRuns} per space is the least this report trusts.`;
}
