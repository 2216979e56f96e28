// The scheduler seam of a sweep: which run a free worker trains next, and after each epoch whether the run goes on.
import type { EpochDecision, EpochRecord, RunRecord, TrainResult } from '../core/types.ts';

/**
 * What a sweep asks while it trains, on the main thread (the store is there). Every schedule (train each run to its
 * epochs, successive halving, a fidelity check) is one of these, and the pool and the store serve it through this
 * seam alone.
 */
export interface Scheduler {
  /**
   * The run a free worker trains next: a pending run, or a paused one to continue (from its checkpoint). 'wait' when
   * nothing can start until a run in flight ends (a rung is waiting for more results); null when nothing is left.
   */
  next(): RunRecord | 'wait' | null;
  /** After epoch `epoch` of `run` is stored: go on, pause (keep the checkpoint, continue when promoted), or stop. */
  afterEpoch(run: RunRecord, epoch: EpochRecord): EpochDecision;
  /** A run ended here (any status), or went back to pending (`result` null: Ctrl-C, a worker that did not start). */
  ended(run: RunRecord, result: TrainResult | null): void;
}

/** The schedule of a sweep without a `fidelity` section: every pending run, oldest first, to its own epochs. */
export function queueScheduler(pending: readonly RunRecord[]): Scheduler {
  const queue = [...pending];
  return {
    next: () => queue.shift() ?? null,
    afterEpoch: () => 'continue',
    ended: () => {},
  };
}
