// What happens during a sweep, as data: the events a sweep emits for whoever shows progress (the CLI renders them as
// bars, plain lines or JSON lines: src/cli/progress.ts).
import type { EpochRecord, TrainResult } from '../core/types.ts';

/** How a run's attempt ended (TrainResult's status): paused runs continue later, the others are final. */
export type EndStatus = TrainResult['status'];

/**
 * What happens during a sweep (or a single `netspace train`, which sends no sweep events), in order: sweep-start,
 * then per worker slot run-start, batch..., epoch, ..., run-end; then sweep-end. `worker` is the slot number, 1-based.
 */
export type ProgressEvent =
  | {
      type: 'sweep-start';
      sweep: string;
      /** Runs of the sweep and how many of them were already finished before this process started. */
      total: number;
      done: number;
      failed: number;
      diverged: number;
      workers: number;
      backend: string;
    }
  | { type: 'run-start'; worker: number; runId: number; label: string; epochs: number; resumedAt: number }
  | {
      type: 'batch';
      worker: number;
      runId: number;
      epoch: number;
      epochs: number;
      batch: number;
      batches: number;
      /** Running mean training loss of the epoch. */
      loss: number;
      imagesPerSecond: number;
    }
  | { type: 'epoch'; worker: number; runId: number; epochs: number; record: EpochRecord }
  | {
      type: 'run-end';
      worker: number;
      runId: number;
      label: string;
      status: EndStatus;
      finalError: number | null;
      errorText: string | null;
      /** Wall time of the run, seconds. */
      seconds: number;
    }
  | { type: 'sweep-end'; sweep: string; interrupted: boolean; released: number }
  /** Something the user should know that stops nothing (after sweep-start): a risk, a setting taken over. */
  | { type: 'notice'; text: string };

/** Receives progress events; `close` restores the terminal (bars) and must be called once at the end. */
export interface ProgressReporter {
  emit(event: ProgressEvent): void;
  close(): void;
}

/** A reporter that drops every event: the library's default, since showing progress is the caller's choice. */
export const SILENT_PROGRESS: ProgressReporter = Object.freeze({ emit: () => {}, close: () => {} });
