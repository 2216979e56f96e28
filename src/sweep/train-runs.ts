// The training loop every sweep shares: runs from a scheduler onto pool threads, each step written through a RunSink.
//
// A local sweep (sweep.ts) writes through the SQLite store; a Slurm array task or a GPU process (cluster/work.ts)
// writes through its shard. Both run this one loop, so a run trained either way is the same run, epoch for epoch.
import { si } from '../core/format.ts';
import type { BackendName, EpochRecord, RunRecord, TrainResult } from '../core/types.ts';
import type { BackendRequest } from '../engine/options.ts';
import type { ResumePoint } from '../store/store.ts';
import { PoolClosedError, type TrainPool } from '../train/pool.ts';
import type { ProgressEvent, ProgressReporter } from './progress.ts';
import type { Scheduler } from './schedule.ts';

/** What the loop needs of a run: what it sends the trainer, and what names it in progress lines. */
export type TrainableRun = Pick<RunRecord, 'id' | 'space' | 'configKey' | 'config' | 'settings' | 'seed' | 'flops' | 'params'>;

/**
 * The writes the loop makes for each run, in this order: takeResumePoint, markRunning, recordEpoch per epoch, then
 * finishRun, or releaseRun when the run was cut short. `Store` (store/store.ts) has exactly these methods.
 */
export interface RunSink {
  /** Where the run continues, or null to start afresh. */
  takeResumePoint(runId: number): ResumePoint | null;
  markRunning(runId: number, backend: BackendName | null): void;
  /** One finished epoch and the checkpoint after it; false when the run no longer takes epochs (it is stopped). */
  recordEpoch(runId: number, epoch: EpochRecord, checkpoint: Uint8Array | null): boolean;
  finishRun(runId: number, result: TrainResult): void;
  /** The run was cut short (Ctrl-C, scancel, an error elsewhere): it stays to be trained, keeping its epochs. */
  releaseRun(runId: number): void;
}

export interface TrainRunsOptions<R extends TrainableRun> {
  sink: RunSink;
  pool: TrainPool;
  scheduler: Scheduler<R>;
  /** Slots: runs in flight at once (the pool's threads). */
  slots: number;
  progress: ProgressReporter;
  backend: BackendRequest;
  /** Aborting stops the loop: no new runs; runs in flight go back through releaseRun. */
  controller: AbortController;
  /** Called once, when the first thread has loaded its backend (start-up measurements). */
  onFirstStart?: () => void;
}

/** How the loop ended. */
export interface TrainRunsOutcome {
  /** Runs that ended here for good (done, stopped, failed, diverged; not paused), and runs released back to be trained again. */
  trained: number;
  released: number;
  /** The first error that stopped the loop (a thread that cannot train, a sink that cannot write), if one did. */
  halt: { error: unknown } | null;
}

function runLabel(run: TrainableRun): string {
  return `${run.space} (${si(run.flops)} flops, ${si(run.params)} params)`;
}

/**
 * Gives runs to `slots` workers as the scheduler hands them out, until it has none left or `signal` aborts. A slot
 * told to 'wait' sleeps until another slot's run ends; with no run in flight, 'wait' means nothing more can start.
 */
async function drain<R extends TrainableRun>(
  scheduler: Scheduler<R>,
  slots: number,
  signal: AbortSignal,
  train: (slot: number, run: R) => Promise<void>,
): Promise<void> {
  let inFlight = 0;
  let wake = (): void => {};
  let changed = new Promise<void>((resolve) => (wake = resolve));
  const slot = async (n: number): Promise<void> => {
    while (!signal.aborted) {
      const run = scheduler.next();
      if (run === null) return;
      if (run === 'wait') {
        if (inFlight === 0) return;
        await changed;
        continue;
      }
      inFlight += 1;
      try {
        await train(n, run);
      } finally {
        inFlight -= 1;
        const woken = wake;
        changed = new Promise<void>((resolve) => (wake = resolve));
        woken();
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: slots }, (_, i) => slot(i + 1)));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

/** What trainRun needs besides the run: where to write, whom to ask, whom to tell, and how to stop the loop. */
interface RunContext<R extends TrainableRun> {
  sink: RunSink;
  pool: TrainPool;
  scheduler: Scheduler<R>;
  progress: ProgressReporter;
  backend: BackendRequest;
  onStart: () => void;
  /** Stops the whole loop for `error` (the first one counts): a thread that cannot train, a sink that cannot write. */
  stop(error: unknown): void;
  /** Whether the loop is stopping (an error, Ctrl-C): results that arrive now are not written as ends. */
  stopping(): boolean;
}

/** Back to be trained again, if the sink still takes writes; the next attempt resets what this leaves running. */
function release<R extends TrainableRun>(ctx: RunContext<R>, run: R): void {
  try {
    ctx.sink.releaseRun(run.id);
  } catch {
    // The sink's trouble is already the loop's error; the next attempt takes the run over from this process.
  }
  ctx.scheduler.ended(run, null);
}

/** The run-end event's view of a result. */
function endOf(result: TrainResult): Pick<Extract<ProgressEvent, { type: 'run-end' }>, 'status' | 'finalError' | 'errorText' | 'seconds'> {
  return { status: result.status, finalError: result.finalError, errorText: result.errorText, seconds: result.seconds };
}

/**
 * Trains one run on a pool thread and writes it as it goes: its resume point, each epoch with its checkpoint (then
 * the scheduler decides whether it goes on), and its end. Returns the result, or null when the run went back to be
 * trained again (Ctrl-C, or the loop is stopping for an error, which `ctx.stop` was given). Never throws for a sink
 * that fails mid-run: the epoch is lost, the run is released, and the loop stops.
 */
async function trainRun<R extends TrainableRun>(ctx: RunContext<R>, slot: number, run: R): Promise<TrainResult | null> {
  const { sink, progress } = ctx;
  const resume = sink.takeResumePoint(run.id);
  sink.markRunning(run.id, ctx.backend === 'auto' ? null : ctx.backend);
  const label = runLabel(run);
  const epochs = run.settings.epochs;
  progress.emit({ type: 'run-start', worker: slot, runId: run.id, label, epochs, resumedAt: resume?.epochs.length ?? 0 });
  try {
    const request = { config: run.config, settings: run.settings, seed: run.seed, backend: ctx.backend, ...(resume ? { resume } : {}) };
    const result = await ctx.pool.run(run.id, run.configKey, request, {
      onStart: ctx.onStart,
      onBatch: (p) => progress.emit({ type: 'batch', worker: slot, runId: run.id, epochs, ...p }),
      onEpoch: (record, checkpoint) => {
        try {
          if (ctx.stopping() || !sink.recordEpoch(run.id, record, checkpoint)) return 'stop';
          progress.emit({ type: 'epoch', worker: slot, runId: run.id, epochs, record });
          return ctx.scheduler.afterEpoch(run, record);
        } catch (error) {
          ctx.stop(error);
          return 'stop';
        }
      },
    });
    if (ctx.stopping()) {
      release(ctx, run);
      return null;
    }
    sink.finishRun(run.id, result);
    progress.emit({ type: 'run-end', worker: slot, runId: run.id, label, ...endOf(result) });
    ctx.scheduler.ended(run, result);
    return result;
  } catch (error) {
    if (!(error instanceof PoolClosedError)) ctx.stop(error);
    release(ctx, run);
    return null;
  }
}

/**
 * Trains the runs `options.scheduler` hands out on `options.slots` pool threads, writing every step through
 * `options.sink`, until the scheduler has none left or the controller aborts (no new runs; runs in flight are
 * released with their epochs). An error (a thread that cannot train, a sink that cannot write) aborts the controller
 * and comes back as `halt`; the caller decides what it means. Never throws but for an internal error.
 */
export async function trainRuns<R extends TrainableRun>(options: TrainRunsOptions<R>): Promise<TrainRunsOutcome> {
  const { controller } = options;
  const outcome: TrainRunsOutcome = { trained: 0, released: 0, halt: null };
  let firstStart = options.onFirstStart;
  const ctx: RunContext<R> = {
    sink: options.sink,
    pool: options.pool,
    scheduler: options.scheduler,
    progress: options.progress,
    backend: options.backend,
    onStart: () => {
      firstStart?.();
      firstStart = undefined;
    },
    stop: (error) => {
      outcome.halt ??= { error };
      controller.abort(error);
    },
    stopping: () => controller.signal.aborted,
  };
  await drain(ctx.scheduler, options.slots, controller.signal, async (slot, run) => {
    try {
      const result = await trainRun(ctx, slot, run);
      if (result === null) outcome.released += 1;
      // A paused run is not finished: it counts once, when it ends for good.
      else if (result.status !== 'paused') outcome.trained += 1;
    } catch (error) {
      // A sink that failed before the run started (its resume point, its mark): nothing of the run was lost.
      ctx.stop(error);
    }
  });
  return outcome;
}
