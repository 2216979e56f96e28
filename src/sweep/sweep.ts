// Runs a sweep: plan the runs, store them, train the pending ones in the pool (train-runs.ts), commit every epoch as
// it ends.
import { DATASETS, DEFAULT_DATASET, loadDataset, requireLocalDataset, type DatasetName, type DatasetSpec } from '../data/index.ts';
import { unlockedAddon } from '../engine/binding-lock.ts';
import type { BackendRequest } from '../engine/options.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { openStore, type StatusCounts, type Store } from '../store/store.ts';
import type { FailureKind, RunRecord } from '../core/types.ts';
import { TrainPool, WorkerStartupError, type TrainPoolOptions } from '../train/pool.ts';
import { checkSettingsForData, type DataLimits, type SettingsOrigin } from '../train/settings.ts';
import { checkPlan } from './checks.ts';
import { classifyChange } from './grow.ts';
import { fidelityScheduler, type ScheduleDecision } from './fidelity-schedule.ts';
import { SILENT_PROGRESS, type ProgressReporter } from './progress.ts';
import { queueScheduler, type Scheduler } from './schedule.ts';
import {
  defaultWorkers,
  loadSweepSpec,
  planDomains,
  planRuns,
  sweepIdentity,
  usesTensorflow,
  type SweepSpec,
} from './spec.ts';
import { trainRuns } from './train-runs.ts';

export interface RunSweepOptions {
  /** SQLite file; created with its folder's permission when missing. */
  db: string;
  /** Threads, or 'auto' (the backend's default), overriding the spec's `workers`. */
  workers?: number | 'auto';
  /** Backend, overriding the spec's `train.backend`. */
  backend?: BackendRequest;
  /**
   * Put failed runs back to pending before training: 'failed' for every failed run, or a list of FailureKinds (with
   * 'diverged', diverged runs too).
   */
  retry?: readonly FailureKind[] | 'failed';
  /** Start a new sweep `<name>-2` (...) when the spec differs from the stored sweep of that name. */
  force?: boolean;
  /** The dataset's folder (see loadDataset); downloads are allowed unless `download` is false. */
  dataDir?: string;
  download?: boolean;
  /** Where progress goes (default: nowhere; the CLI passes its bars or lines). */
  progress?: ProgressReporter;
  /** Aborting stops the sweep cleanly: no new runs, in-flight runs back to pending. */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers for the sweep's duration (the CLI does): the first stops cleanly, a second
   *  Ctrl-C exits at once (the database stays consistent either way). */
  handleSignals?: boolean;
  /** How messages name the training settings: the spec's `train.<key>` (default) or the options' `--flag`. */
  origin?: SettingsOrigin;
  /** Thread settings passed to the pool (tests: heap limits, a worker with planted faults). */
  pool?: Pick<TrainPoolOptions, 'resourceLimits' | 'env' | 'worker'>;
  /**
   * Called with the sweep's name before this process claims it; throws to refuse (the CLI refuses while a Slurm array
   * of the sweep is queued, cluster/submit.ts assertNoArrayQueued, since both would train the same runs).
   */
  beforeClaim?: (sweep: string) => void;
}

/** How a sweep invocation ended. */
export interface SweepSummary {
  /** Name in the database (`<name>-2` etc. after --force). */
  sweep: string;
  db: string;
  /** Whether this invocation created the sweep (false: resumed). */
  created: boolean;
  /** Runs added to the database now (all of them for a new sweep, 0 on a plain resume). */
  added: number;
  /** Runs found `running` from a dead process and put back to pending. */
  reset: number;
  /** Failed runs put back to pending by `retry`. */
  retried: number;
  /**
   * When the spec grew the stored sweep (sweep/grow.ts): what grew, in words, and how many finished runs went back
   * to pending to train more epochs. Null otherwise.
   */
  grown: { additions: string[]; reopened: number } | null;
  /** Runs this process finished for good (done, stopped, failed or diverged; a run paused by its schedule is not). */
  trained: number;
  counts: StatusCounts;
  workers: number;
  backend: BackendRequest;
  /** True when stopped by a signal; `released` in-flight runs went back to pending. */
  interrupted: boolean;
  released: number;
  /** Wall time of the training phase, seconds, and runs finished per hour in it. */
  seconds: number;
  modelsPerHour: number;
}

/** The dataset a sweep trains on. */
function datasetOf(spec: SweepSpec): DatasetName {
  return (spec.train.dataset ?? DEFAULT_DATASET) as DatasetName;
}

/** A dataset's published splits, for the checks made before its files are read. */
function dataLimits(dataset: DatasetSpec): DataLimits {
  return { name: dataset.title, trainImages: dataset.trainCount, testImages: dataset.testCount };
}

/** An AbortSignal fired by the first SIGINT or SIGTERM; a second SIGINT exits at once with code 130. */
function signalAbort(controller: AbortController): () => void {
  const first = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error('interrupted'));
  };
  process.on('SIGINT', first);
  process.on('SIGTERM', first);
  return () => {
    process.off('SIGINT', first);
    process.off('SIGTERM', first);
  };
}

/**
 * Runs (or resumes) the sweep of `spec` (a spec file path or a parsed spec) into the database `options.db`, and
 * returns how it ended. Bad specs, a changed spec without `force` and a sweep held by another live process end in a
 * NetspaceError before anything is trained. A run that fails never stops the sweep.
 */
export async function runSweep(spec: string | SweepSpec, options: RunSweepOptions): Promise<SweepSummary> {
  const parsed = typeof spec === 'string' ? loadSweepSpec(spec) : spec;
  const backend = options.backend ?? parsed.backend;
  if (options.workers !== undefined && options.workers !== 'auto' && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new NetspaceError(messages.option.wholeNumber('--workers', 1, options.workers));
  }
  const origin = options.origin ?? { kind: 'spec', source: typeof spec === 'string' ? spec : 'the sweep spec' };
  // With downloads off, missing data is refused before the database is opened: nothing is stored for runs that cannot train.
  if (options.download === false) requireLocalDataset(datasetOf(parsed), { dataDir: options.dataDir });
  return withPlannedSweep(parsed, { ...options, backend, origin }, (store, sweep) => trainPending(store, sweep, parsed, backend, { ...options, origin }));
}

/** How a sweep is planned into the database: RunSweepOptions' part that `sweep submit` shares. */
export type PlanOptions = Pick<RunSweepOptions, 'db' | 'retry' | 'force' | 'origin' | 'backend'> & {
  /** Called with the sweep's name (after `force` chose it) before this process claims it; throws to refuse. */
  beforeClaim?: (sweep: string) => void;
};

/**
 * Plans `parsed` into the database `options.db` and calls `body` while this process holds the sweep: the plan is
 * checked, the sweep opened (or grown in place, or forked with `force`), runs a dead process left running reset,
 * failed ones retried as asked, new runs and the spaces' domains added. The sweep is released and the store closed
 * when `body` settles. `sweep run` trains in `body`; `sweep submit` freezes the pending runs for Slurm.
 */
export async function withPlannedSweep<T>(parsed: SweepSpec, options: PlanOptions, body: (store: Store, sweep: OpenedSweep) => Promise<T>): Promise<T> {
  const backend = options.backend ?? parsed.backend;
  const planned = planRuns(parsed);
  const origin = options.origin ?? { kind: 'spec', source: 'the sweep spec' };
  checkPlan(planned, dataLimits(DATASETS[datasetOf(parsed)]), origin, backend === 'wasm' || (backend === 'auto' && !usesTensorflow('auto')));
  const store = openStore(options.db);
  try {
    const identity = sweepIdentity(parsed);
    const stored = store.storedSpec(parsed.name);
    const change = stored === null ? null : classifyChange(stored.spec, identity);
    const sweep =
      change?.kind === 'grow'
        ? { id: stored!.id, name: parsed.name, created: false }
        : store.openSweep(parsed.name, identity, { force: options.force ?? false, ...(change?.kind === 'changed' ? { reasons: change.reasons } : {}) });
    options.beforeClaim?.(sweep.name);
    store.claimSweep(sweep.id);
    let failed = false;
    try {
      // Grown in place only once this process holds the sweep: finished runs stay, and with more epochs they continue.
      const grown = change?.kind === 'grow' ? { additions: change.additions, reopened: store.growSweep(sweep.id, identity, change.epochs) } : null;
      const reset = store.resetRunning(sweep.id);
      const retried = options.retry === undefined ? 0 : store.retryRuns(sweep.id, options.retry);
      const added = store.addRuns(sweep.id, planned);
      store.addDomains(sweep.id, planDomains(parsed));
      return await body(store, { ...sweep, reset, retried, added, grown });
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // A store that cannot write keeps the hold, which the next run takes over once this process has ended.
      try {
        store.releaseSweep(sweep.id);
      } catch (error) {
        if (!failed) throw error;
      }
    }
  } finally {
    store.close();
  }
}

/** A sweep as planned into the database and held by this process. */
export interface OpenedSweep {
  id: number;
  name: string;
  created: boolean;
  reset: number;
  retried: number;
  added: number;
  grown: SweepSummary['grown'];
}

/**
 * Threads for this sweep: the option, else the spec's, else one per core (on every backend, tensorflow included:
 * see defaultWorkers), never more than there are runs.
 */
function chooseWorkers(spec: SweepSpec, backend: BackendRequest, asked: number | 'auto' | undefined, runs: number): number {
  const choice = asked ?? spec.workers;
  const wanted = choice === 'auto' ? defaultWorkers(backend) : choice;
  return Math.max(1, Math.min(wanted, runs));
}

/** One AbortController for the sweep: aborted by the caller's signal or (with `handleSignals`) by Ctrl-C. */
function stopSwitch(options: RunSweepOptions): { controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const forward = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  if (options.signal?.aborted) forward();
  const removeSignals = options.handleSignals ? signalAbort(controller) : () => {};
  return {
    controller,
    dispose: () => {
      options.signal?.removeEventListener('abort', forward);
      removeSignals();
    },
  };
}

/**
 * Trains the sweep's pending runs: chooses the workers, loads the data, starts the pool, drains the schedule through
 * it and stores every epoch and end. A Ctrl-C (or `options.signal`) stops it cleanly: no new runs, in-flight runs
 * back to pending with their epochs. A thread that cannot train at all stops the sweep with a NetspaceError.
 */
async function trainPending(store: Store, sweep: OpenedSweep, spec: SweepSpec, backend: BackendRequest, options: RunSweepOptions): Promise<SweepSummary> {
  const pending = store.pendingRuns(sweep.id);
  const before = store.statusCounts(sweep.name);
  // Under a schedule, paused runs may still be promoted: they count as work left.
  const paused = spec.fidelity === undefined ? 0 : before.paused;
  const workers = chooseWorkers(spec, backend, options.workers, pending.length + paused);
  const summary: SweepSummary = {
    sweep: sweep.name,
    db: store.path,
    created: sweep.created,
    added: sweep.added,
    reset: sweep.reset,
    retried: sweep.retried,
    grown: sweep.grown,
    trained: 0,
    counts: before,
    workers,
    backend,
    interrupted: false,
    released: 0,
    seconds: 0,
    modelsPerHour: 0,
  };
  if (pending.length + paused === 0) return summary;

  const { controller, dispose } = stopSwitch(options);
  const progress = options.progress ?? SILENT_PROGRESS;
  let pool: TrainPool | null = null;
  /** The first error that stopped the sweep, if one did. */
  let halt: { error: unknown } | null = null;
  const started = performance.now();
  try {
    const data = await loadDataset(datasetOf(spec), { dataDir: options.dataDir, download: options.download });
    // The files found may hold fewer images than the published splits: check again before any run is marked.
    checkSettingsForData(spec.train, { name: `the ${data.spec.title} files in ${data.dir}`, trainImages: data.train.count, testImages: data.test.count }, options.origin!);
    if (controller.signal.aborted) return { ...summary, interrupted: true };
    pool = new TrainPool({ workers, data, backend, ...options.pool });
    const activePool = pool;
    controller.signal.addEventListener('abort', () => void activePool.destroy(), { once: true });
    progress.emit({ type: 'sweep-start', sweep: sweep.name, ...pick(before), workers, backend });
    const unlocked = workers > 1 && (backend === 'tensorflow' || backend === 'auto') ? unlockedAddon() : null;
    if (unlocked !== null) progress.emit({ type: 'notice', text: messages.native.unlockedAddon(unlocked) });
    const outcome = await trainRuns({ sink: store, pool, scheduler: schedulerOf(store, sweep.id, spec, pending), slots: workers, progress, backend, controller });
    summary.trained = outcome.trained;
    summary.released = outcome.released;
    halt = outcome.halt;
    if (halt !== null) throw sweepError(sweep.name, halt.error);
    summary.interrupted = controller.signal.aborted;
    progress.emit({ type: 'sweep-end', sweep: sweep.name, interrupted: summary.interrupted, released: summary.released });
  } finally {
    dispose();
    await pool?.destroy();
    // Anything still marked running by this process (an error cut the sweep short) can run again; a store that
    // cannot write leaves them to the next `sweep run`, which takes them over from this (then ended) process.
    try {
      store.resetRunning(sweep.id);
    } catch (error) {
      if (halt === null) throw error;
    }
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.modelsPerHour = summary.seconds > 0 ? (summary.trained / summary.seconds) * 3600 : 0;
  summary.counts = store.statusCounts(sweep.name);
  return summary;
}

/**
 * The schedule that hands out the sweep's runs: its fidelity schedule (ASHA or the check), rebuilt from every stored
 * run and decision so that a resumed sweep decides as the first would have; else the pending runs in order.
 */
function schedulerOf(store: Store, sweepId: number, spec: SweepSpec, pending: RunRecord[]): Scheduler {
  if (spec.fidelity === undefined) return queueScheduler(pending);
  return fidelityScheduler(spec.fidelity, store.allRuns(sweepId), store.decisions(sweepId) as ScheduleDecision[], {
    record: (decisions) => store.recordDecisions(sweepId, decisions),
    stopIdle: (runId) => store.stopIdle(runId),
  });
}

/** The error a stopped sweep ends with: why its threads cannot train, the store's trouble, or an internal error. */
function sweepError(sweep: string, error: unknown): unknown {
  if (error instanceof WorkerStartupError) return new NetspaceError(messages.train.cannotTrain(sweep, error.message));
  return error;
}

/** The counts a sweep-start event carries. */
function pick(counts: StatusCounts): { total: number; done: number; failed: number; diverged: number } {
  return { total: counts.total, done: counts.done, failed: counts.failed, diverged: counts.diverged };
}
