// Runs a sweep: plan the runs, store them, train the pending ones in the pool, commit every epoch as it ends.
import { loadFashionMnist } from '../data/index.ts';
import type { BackendRequest } from '../engine/options.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { openStore, type StatusCounts, type Store } from '../store/store.ts';
import type { BackendName, RunRecord } from '../store/types.ts';
import { PoolClosedError, TrainPool, WorkerStartupError, type TrainPoolOptions } from './pool.ts';
import { createProgressReporter, type ProgressReporter } from './progress.ts';
import { defaultWorkers, loadSweepSpec, planRuns, sweepIdentity, type SweepSpec } from './sweep-spec.ts';

export interface RunSweepOptions {
  /** SQLite file; created with its folder's permission when missing. */
  db: string;
  /** Threads, overriding the spec's `workers`. */
  workers?: number;
  /** Backend, overriding the spec's `train.backend`. */
  backend?: BackendRequest;
  /** Start a new sweep `<name>-2` (...) when the spec differs from the stored sweep of that name. */
  force?: boolean;
  /** Fashion-MNIST folder (see loadFashionMnist); downloads are allowed unless `download` is false. */
  dataDir?: string;
  download?: boolean;
  /** Where progress goes (default: bars or lines on stderr). */
  progress?: ProgressReporter;
  /** Aborting stops the sweep cleanly: no new runs, in-flight runs back to pending. */
  signal?: AbortSignal;
  /** Install SIGINT/SIGTERM handlers for the sweep's duration (the CLI does): the first stops cleanly, a second
   *  Ctrl-C exits at once (the database stays consistent either way). */
  handleSignals?: boolean;
  /** Thread settings passed to the pool (tests: heap limits, planted faults). */
  pool?: Pick<TrainPoolOptions, 'resourceLimits' | 'env'>;
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
  /** Runs this process finished (done, failed or diverged). */
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

/** Shows a count as 1.2k / 3.4M. */
function short(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(1)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return String(Math.round(x));
}

function runLabel(run: RunRecord): string {
  return `${run.space} (${short(run.flops)} flops, ${short(run.params)} params)`;
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
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 1)) {
    throw new NetspaceError(messages.option.wholeNumber('--workers', 1, options.workers));
  }
  const planned = planRuns(parsed);
  const store = openStore(options.db);
  try {
    const sweep = store.openSweep(parsed.name, sweepIdentity(parsed), { force: options.force ?? false });
    store.claimSweep(sweep.id);
    try {
      const reset = store.resetRunning(sweep.id);
      const added = store.addRuns(sweep.id, planned);
      return await trainPending(store, { ...sweep, reset, added }, parsed, backend, options);
    } finally {
      store.releaseSweep(sweep.id);
    }
  } finally {
    store.close();
  }
}

interface OpenedSweep {
  id: number;
  name: string;
  created: boolean;
  reset: number;
  added: number;
}

async function trainPending(
  store: Store,
  sweep: OpenedSweep,
  spec: SweepSpec,
  backend: BackendRequest,
  options: RunSweepOptions,
): Promise<SweepSummary> {
  const queue = store.pendingRuns(sweep.id);
  const before = store.statusCounts(sweep.name);
  const wanted = options.workers ?? (spec.workers === 'auto' ? defaultWorkers(backend) : spec.workers);
  const workers = Math.max(1, Math.min(wanted, queue.length));
  const summary: SweepSummary = {
    sweep: sweep.name,
    db: store.path,
    created: sweep.created,
    added: sweep.added,
    reset: sweep.reset,
    trained: 0,
    counts: before,
    workers,
    backend,
    interrupted: false,
    released: 0,
    seconds: 0,
    modelsPerHour: 0,
  };
  if (queue.length === 0) return summary;

  const controller = new AbortController();
  const forward = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', forward, { once: true });
  if (options.signal?.aborted) forward();
  const removeSignals = options.handleSignals ? signalAbort(controller) : () => {};
  const progress = options.progress ?? createProgressReporter();
  let pool: TrainPool | null = null;
  const started = performance.now();
  try {
    const data = await loadFashionMnist({ dataDir: options.dataDir, download: options.download });
    if (controller.signal.aborted) return { ...summary, interrupted: true };
    pool = new TrainPool({ workers, data, backend, ...options.pool });
    const activePool = pool;
    controller.signal.addEventListener('abort', () => void activePool.destroy(), { once: true });
    progress.emit({
      type: 'sweep-start',
      sweep: sweep.name,
      total: before.total,
      done: before.done,
      failed: before.failed,
      diverged: before.diverged,
      workers,
      backend,
    });
    const concrete: BackendName | null = backend === 'auto' ? null : backend;
    let fatal: string | null = null;

    const trainOne = async (slot: number, run: RunRecord): Promise<void> => {
      const resume = store.takeResumePoint(run.id);
      store.markRunning(run.id, concrete);
      const label = runLabel(run);
      const epochs = run.settings.epochs;
      progress.emit({ type: 'run-start', worker: slot, runId: run.id, label, epochs, resumedAt: resume?.epochs.length ?? 0 });
      try {
        const result = await activePool.run(
          run.id,
          run.configKey,
          { config: run.config, settings: run.settings, seed: run.seed, backend, ...(resume ? { resume } : {}) },
          {
            onBatch: (p) => progress.emit({ type: 'batch', worker: slot, runId: run.id, epochs, ...p }),
            onEpoch: (record, checkpoint) => {
              if (store.recordEpoch(run.id, record, checkpoint)) {
                progress.emit({ type: 'epoch', worker: slot, runId: run.id, epochs, record });
              }
            },
          },
        );
        store.finishRun(run.id, result);
        summary.trained += 1;
        progress.emit({
          type: 'run-end',
          worker: slot,
          runId: run.id,
          label,
          status: result.status,
          finalError: result.finalError,
          errorText: result.errorText,
          seconds: result.seconds,
        });
      } catch (error) {
        if (error instanceof WorkerStartupError) {
          fatal ??= error.message;
          controller.abort(error);
        } else if (!(error instanceof PoolClosedError)) {
          throw error;
        }
        store.releaseRun(run.id);
        summary.released += 1;
      }
    };

    const slot = async (n: number): Promise<void> => {
      for (let run = queue.shift(); run !== undefined && !controller.signal.aborted; run = queue.shift()) {
        await trainOne(n, run);
      }
    };
    const results = await Promise.allSettled(Array.from({ length: workers }, (_, i) => slot(i + 1)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    if (fatal !== null) {
      throw new NetspaceError(messages.train.cannotTrain(sweep.name, fatal));
    }
    summary.interrupted = controller.signal.aborted;
    progress.emit({ type: 'sweep-end', sweep: sweep.name, interrupted: summary.interrupted, released: summary.released });
  } finally {
    options.signal?.removeEventListener('abort', forward);
    removeSignals();
    await pool?.destroy();
    // Anything still marked running by this process (an internal error cut the sweep short) can run again.
    store.resetRunning(sweep.id);
    if (!options.progress) progress.close();
  }
  summary.seconds = (performance.now() - started) / 1000;
  summary.modelsPerHour = summary.seconds > 0 ? (summary.trained / summary.seconds) * 3600 : 0;
  summary.counts = store.statusCounts(sweep.name);
  return summary;
}
