// What the dashboard shows, built from one read-only store: the sweep list, a sweep's page and one run, as the JSON
// types of ./types.ts. Pure functions of what the store reads; the caching lives in ./dashboard.ts.
import { blockWidths, parameterAxes } from '../analysis/parameters.ts';
import { analyzeSweep, type AnalysisOptions, type SweepAnalysis } from '../analysis/sweep.ts';
import { runCurvesSpec } from '../report/curves.ts';
import { describeConfig } from '../report/format.ts';
import { reportChartSpecs } from '../report/report.ts';
import { bottleneckWidth, groupCount } from '../space/config.ts';
import { flatParameters } from '../space/domains.ts';
import { isOwnerAlive } from '../store/owner.ts';
import type { Store } from '../store/store.ts';
import type { RunRecord, StatusCounts, SweepRecord } from '../core/types.ts';
import { interactiveChart, interactiveCharts, type RunFacts } from './interactive.ts';
import type { ParameterColumn, RunRow, RunView, SweepList, SweepListItem, SweepView } from './types.ts';

/** One sweep's line of the list: its counts and whether a live process is writing it. */
export function sweepListItem(store: Store, name: string, createdAt: string, counts: StatusCounts): SweepListItem {
  const owner = store.sweepOwner(name);
  const alive = owner !== null && isOwnerAlive(owner);
  return {
    name,
    createdAt,
    counts,
    activity: alive ? 'writing' : 'idle',
    owner: alive ? { pid: owner.pid, host: owner.host, since: owner.since } : null,
  };
}

/** Every sweep of the database, oldest first. */
export function sweepList(store: Store, db: string): SweepList {
  return { db, sweeps: store.listSweeps().map((s) => sweepListItem(store, s.name, s.createdAt, store.statusCounts(s.name))) };
}

/** A run as the table lists it. */
export function runRow(run: RunRecord): RunRow {
  return {
    id: run.id,
    space: run.space,
    status: run.status,
    error: run.status === 'done' ? run.finalError : null,
    epochs: run.epochs.length,
    epochsPlanned: run.settings.epochs,
    flops: run.flops,
    params: run.params,
    acts: run.acts,
    seconds: run.seconds,
    backend: run.backend,
    errorText: run.errorText,
    config: describeConfig(run.config),
    values: flatParameters(run.sampled),
  };
}

function factsOf(run: RunRecord): RunFacts {
  return {
    space: run.space,
    status: run.status,
    error: run.status === 'done' ? run.finalError : null,
    config: describeConfig(run.config),
    flops: run.flops,
    params: run.params,
  };
}

/** The parameters of the sweep's spaces that some run has, in the report's order. */
function parameterColumns(analysis: SweepAnalysis, runs: readonly RunRow[]): ParameterColumn[] {
  return parameterAxes(analysis.designChoices.spaces)
    .filter((p) => runs.some((r) => typeof r.values[p.name] === 'number'))
    .map((p) => ({ name: p.name, label: p.label }));
}

/**
 * The sweep page: the report's analysis with its default options unless `options` says otherwise (so the numbers
 * are the ones `netspace report` prints), every chart of the report's list made interactive, and every run.
 */
export function sweepView(store: Store, sweep: SweepRecord, options: AnalysisOptions, now: Date): SweepView {
  const analysis = analyzeSweep(sweep, options);
  const facts = new Map(sweep.runs.map((r) => [r.id, factsOf(r)]));
  const runs = sweep.runs.map(runRow);
  return {
    sweep: sweepListItem(store, sweep.name, sweep.createdAt, analysis.counts),
    notes: analysis.notes,
    spaces: analysis.spaces.map((s) => ({
      space: s.space,
      counts: s.counts,
      minError: s.minError,
      medianError: s.medianError,
      meanError: s.meanError,
      bestRunId: s.best?.runId ?? null,
    })),
    charts: interactiveCharts(reportChartSpecs(sweep, analysis).specs, facts),
    parameters: parameterColumns(analysis, runs),
    runs,
    analysedAt: now.toISOString(),
  };
}

/** One run with its architecture and its curves chart (the one `netspace curves` draws). */
export function runView(store: Store, run: RunRecord): RunView {
  const sweep = store.listSweeps().find((s) => s.id === run.sweepId)?.name ?? String(run.sweepId);
  const facts = new Map([[run.id, factsOf(run)]]);
  return {
    run: runRow(run),
    sweep,
    configKey: run.configKey,
    seed: run.seed,
    settings: run.settings,
    sampled: run.sampled,
    architecture: {
      inputChannels: run.config.inputChannels,
      stemWidth: run.config.stemWidth,
      stages: run.config.stages.map((s) => ({
        depth: s.depth,
        width: s.width,
        groupWidth: s.groupWidth,
        bottleneckRatio: 1 / s.bottleneckMultiplier,
        innerWidth: bottleneckWidth(s),
        groups: groupCount(s),
      })),
      blockWidths: blockWidths(run.config),
      numClasses: run.config.numClasses,
    },
    curves: run.epochs.length === 0 ? null : interactiveChart('curves', runCurvesSpec(run), facts).spec,
  };
}
