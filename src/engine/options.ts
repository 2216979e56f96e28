// What a caller may ask of the engine, importable without loading TF.js (the CLI builds its options from these).
import type { AnyNetConfig } from '../space/config.ts';
import { REGNET32 } from '../space/presets.ts';
import type { BackendName } from '../core/types.ts';

/** A backend, or `auto`: tensorflow when @tensorflow/tfjs-node-gpu loads, else wasm. */
export type BackendRequest = BackendName | 'auto';
export const BACKEND_REQUESTS: readonly BackendRequest[] = Object.freeze(['auto', 'tensorflow', 'wasm', 'cpu']);

/** What to measure (speed.ts). */
export interface SpeedOptions {
  /** Square input side, pixels. */
  resolution: number;
  /** Images per SGD step. */
  batch: number;
  backend: BackendRequest;
  /** Timed steps, after `warmup` untimed ones. */
  steps: number;
  warmup: number;
  /** Images per forward/backward pass (see StepOptions); null for the whole batch. */
  microBatch: number | null;
  /** The model; RegNet32 of the d2l chapter by default. */
  model: AnyNetConfig;
}

export const SPEED_DEFAULTS: Readonly<SpeedOptions> = Object.freeze({
  resolution: 28,
  batch: 128,
  backend: 'auto',
  steps: 5,
  warmup: 1,
  microBatch: null,
  model: REGNET32,
});
