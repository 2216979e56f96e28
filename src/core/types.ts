// Contracts every layer may import: what a run is, how it is trained, what training gives back and what the store
// holds. The bottom of the tree (see docs/architecture.md): it imports nothing but the recipe types beside it.
import type { Recipe } from './recipe.ts';

/** One stage of an AnyNet: `depth` residual bottleneck blocks of the same width (d2l chapter, paper section 3.1). */
export interface StageConfig {
  /** Number of blocks, d_i (>= 1). The first block has stride 2 and a projection shortcut. */
  depth: number;
  /** Output channels of every block in the stage, w_i. */
  width: number;
  /** Channels per group of the 3x3 convolution, g_i; groups = bottleneck width / groupWidth. */
  groupWidth: number;
  /** Bottleneck width = round(width * bottleneckMultiplier); the paper's ratio is b_i = 1 / multiplier. */
  bottleneckMultiplier: number;
}

/** A whole AnyNet: stem (3x3 conv stride 2, BN, ReLU), stages, head (global average pool, linear). */
export interface AnyNetConfig {
  /** Channels of the input images (1 for Fashion-MNIST, 3 for ImageNet). */
  inputChannels: number;
  /** Output channels of the stem convolution. */
  stemWidth: number;
  /** Outputs of the final linear layer. */
  numClasses: number;
  /** Whether convolutions carry a bias: true in the d2l chapter, false in pycls. */
  convBias: boolean;
  stages: StageConfig[];
}

/**
 * Where a run is: pending -> running -> done | failed | diverged, or, under a schedule (sweep/schedule.ts), paused at
 * a rung (waiting to be promoted: it continues from its checkpoint) or stopped there for good. A dead process's
 * `running` goes back to pending.
 */
export type RunStatus = 'pending' | 'running' | 'paused' | 'done' | 'stopped' | 'failed' | 'diverged';
export const RUN_STATUSES: readonly RunStatus[] = ['pending', 'running', 'paused', 'done', 'stopped', 'failed', 'diverged'];

/** Runs of a sweep (or of one of its spaces) by status. */
export type StatusCounts = Record<RunStatus | 'total', number>;

/**
 * Why a run failed, for machines: its memory ran out (the wasm heap or the thread's), its loss diverged, its worker
 * crashed, its backend did not load, a setting of the user's cannot train it, or something inside netspace broke.
 */
export type FailureKind = 'out-of-memory' | 'diverged' | 'worker-crash' | 'backend-load' | 'user-setting' | 'internal';
export const FAILURE_KINDS: readonly FailureKind[] = ['out-of-memory', 'diverged', 'worker-crash', 'backend-load', 'user-setting', 'internal'];

/** TF.js backend names as stored with every result. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Training settings of a run (the sweep spec's `train` section; `netspace train` flags). */
export interface TrainSettings {
  /** Passes over the training subset. */
  epochs: number;
  /** Square input side in pixels; 28 means no resize. */
  resolution: number;
  /** Images per SGD step. */
  batchSize: number;
  /** Base learning rate: the recipe's schedule and warm-up scale it per step (constant in the chapter's recipe). */
  lr: number;
  /** Training images used, stratified by class; null means all 60,000. */
  trainSize: number | null;
  /** Validation images used from the 10k test split, stratified; null means all. */
  valSize: number | null;
  /**
   * Images per forward/backward pass when a batch does not fit the wasm heap at once (engine/train-step.ts); absent
   * or null runs the whole batch. The update is the batch's; batch norm normalises each slice on its own.
   */
  microBatch?: number | null;
  /**
   * Optimizer, schedule, weight decay, label smoothing and augmentation (core/recipe.ts); absent means the d2l
   * chapter's recipe (DEFAULT_RECIPE), so settings stored before recipes existed keep their meaning and identity.
   */
  recipe?: Recipe;
  /**
   * The dataset trained on and validated on (data/datasets.ts names); absent means Fashion-MNIST, so that settings
   * stored before datasets could be chosen keep their meaning.
   */
  dataset?: string;
}

/** One finished epoch, committed as it ends. */
export interface EpochRecord {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean cross-entropy over the epoch's training batches. */
  trainLoss: number;
  /** Mean cross-entropy over the validation images. */
  valLoss: number;
  /** Fraction of validation images classified right, 0..1. */
  valAccuracy: number;
  /** Wall time of the epoch including validation, seconds. */
  seconds: number;
  /** Training images per second during the epoch. */
  imagesPerSecond: number;
}

/** One run: one sampled config trained once, as stored. */
export interface RunRecord {
  id: number;
  sweepId: number;
  /** Name of the design space the config was drawn from (e.g. "AnyNetX_A", "RegNetX", "regnet32"). */
  space: string;
  /** Canonical key of the config, UNIQUE within a sweep. */
  configKey: string;
  config: AnyNetConfig;
  /** The sampled parameters behind the config (e.g. {d, w0, wa, wm, g, b} for RegNetX), for per-parameter plots. */
  sampled: Record<string, number | number[]>;
  /**
   * The same drawn values as a flat map named as the space's domains name them (d1, w2, b, w0, ...; space/domains.ts
   * flatParameters); {} for a fixed model.
   */
  parameters: Record<string, number>;
  /** Analytic complexity at the run's resolution. */
  flops: number;
  params: number;
  acts: number;
  /** Seed of the model initialisation and of the data order. */
  seed: number;
  settings: TrainSettings;
  status: RunStatus;
  /** Why a run failed or diverged; null otherwise. */
  errorText: string | null;
  /** What kind of failure (FailureKind); null unless failed or diverged. */
  failureKind: FailureKind | null;
  /** Backend that ran it; null while pending. */
  backend: BackendName | null;
  /** The engine with its version and the device that trained it (TrainResult); null until known. */
  engine: string | null;
  device: string | null;
  /** ISO-8601 times; null until set. */
  startedAt: string | null;
  finishedAt: string | null;
  /** Training wall time, seconds, over every attempt of a resumed run; null until finished. */
  seconds: number | null;
  /** Top-1 validation error (1 - accuracy) after the last epoch; null unless done. */
  finalError: number | null;
  epochs: EpochRecord[];
}

/** A sweep as stored: its spec and all its runs with their epochs. */
export interface SweepRecord {
  id: number;
  name: string;
  /** The sweep spec as given (JSON), refused if it changes on resume. */
  spec: unknown;
  createdAt: string;
  runs: RunRecord[];
  /**
   * Parameter domains of each space, by space name, as the sweep planned them. A store leaves out spaces without
   * (fixed models, sweeps planned before domains were stored); records not read from a store may leave it out whole.
   */
  domains?: Record<string, ParameterDomain[]>;
}

/**
 * What a run does after an epoch, as its schedule decides (sweep/schedule.ts): train on, pause at this epoch (its
 * checkpoint kept, to continue when promoted) or stop here for good.
 */
export type EpochDecision = 'continue' | 'pause' | 'stop';

/**
 * How a training attempt ended: done (all its epochs), paused or stopped by its schedule after an epoch, failed, or
 * diverged (a loss that is not a finite number).
 */
export interface TrainResult {
  status: 'done' | 'paused' | 'stopped' | 'failed' | 'diverged';
  epochs: EpochRecord[];
  /** 1 - validation accuracy of the last epoch; null unless done or stopped. */
  finalError: number | null;
  /** Why it failed or diverged. */
  errorText: string | null;
  /** What kind of failure (diverged included); null unless failed or diverged. */
  failureKind: FailureKind | null;
  backend: BackendName;
  /** What computed it: the engine with its version (e.g. "TF.js 4.22.0 wasm", "TensorFlow 2.21.0") and the device. */
  engine?: string;
  device?: string;
  /** Wall time of the whole run, seconds; for a resumed run, the stored epochs' seconds plus this attempt's. */
  seconds: number;
}

/**
 * Counts by status of `items`, each a run (counted once) or a `GROUP BY status` row with its count `n`; `key` splits
 * them into groups (e.g. by design space), in order of first appearance. The one place statuses are tallied.
 */
export function countStatuses<T extends { status: RunStatus; n?: number }>(items: Iterable<T>): StatusCounts;
export function countStatuses<T extends { status: RunStatus; n?: number }>(items: Iterable<T>, key: (item: T) => string): Record<string, StatusCounts>;
export function countStatuses<T extends { status: RunStatus; n?: number }>(
  items: Iterable<T>,
  key?: (item: T) => string,
): StatusCounts | Record<string, StatusCounts> {
  const groups: Record<string, StatusCounts> = {};
  const all = emptyCounts();
  for (const item of items) {
    const counts = key === undefined ? all : (groups[key(item)] ??= emptyCounts());
    const n = item.n ?? 1;
    counts[item.status] += n;
    counts.total += n;
  }
  return key === undefined ? all : groups;
}

function emptyCounts(): StatusCounts {
  return { total: 0, pending: 0, running: 0, paused: 0, done: 0, stopped: 0, failed: 0, diverged: 0 };
}

/** How a parameter's values are told apart: whole numbers, real numbers, or one of a list (no order implied). */
export type ParameterKind = 'int' | 'float' | 'categorical';

/** A numeric parameter: every value the space draws lies in [low, high]. */
export interface NumericDomain {
  kind: 'int' | 'float';
  /** The paper's symbol: d1, w2, b, g, w0, wa, wm, ... (stage numbers from 1). */
  name: string;
  /** Axis title: what it is and its unit. */
  label: string;
  low: number;
  high: number;
  /** Drawn log-uniformly or over powers of 2: plotted, and measured by fANOVA, on a log scale. */
  log: boolean;
  /** Every value is a whole multiple of this; null when the values follow no single grid (powers of 2). */
  quantum: number | null;
}

/** A parameter drawn from a list of values, each equally likely. */
export interface CategoricalDomain {
  kind: 'categorical';
  name: string;
  label: string;
  /** The values, ascending. */
  choices: number[];
}

/**
 * How one parameter of a design space is distributed (space/domains.ts derives it from the space's spec); plain JSON,
 * told apart by `kind`, stored with the sweep.
 */
export type ParameterDomain = NumericDomain | CategoricalDomain;
