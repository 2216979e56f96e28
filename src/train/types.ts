// What the trainer takes and gives: one config + settings in, one result out (a status, never an exception).
import type { AnyNetConfig } from '../space/config.ts';
import type { BackendName, EpochDecision, EpochRecord, TrainSettings } from '../core/types.ts';

/** Everything one training run needs besides the data. */
export interface TrainRequest {
  config: AnyNetConfig;
  settings: TrainSettings;
  /** Seeds the weight initialisation, the subset choice and the per-epoch shuffle. */
  seed: number;
  /** Requested backend; 'auto' takes tensorflow when it loads, else wasm. */
  backend: BackendName | 'auto';
  /** A run cut short (killed process): its stored epochs and the checkpoint saved after the last of them. */
  resume?: { epochs: EpochRecord[]; checkpoint: Uint8Array };
}

/** Progress inside an epoch, for bars and per-worker lines. */
export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  /** Running mean training loss of the epoch so far. */
  loss: number;
  imagesPerSecond: number;
}

/** Callbacks the trainer calls as it goes; the caller stores epochs as they arrive. */
export interface TrainHooks {
  /**
   * After each epoch: its metrics and a checkpoint (weights and batch-norm running statistics, float32). The answer
   * (awaited) decides whether training goes on; none means go on.
   */
  onEpoch?: (epoch: EpochRecord, checkpoint: Uint8Array) => EpochDecision | void | Promise<EpochDecision | void>;
  onBatch?: (progress: BatchProgress) => void;
}

