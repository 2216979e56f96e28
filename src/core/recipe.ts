// A training recipe as typed data: optimizer, weight decay, learning-rate schedule, warm-up, label smoothing,
// augmentation. Read by engine/ (the optimizer), data/ (augmentation) and train/ (schedule, loss); parsed in
// train/recipe.ts. The default is the d2l chapter's recipe, so settings stored without a recipe keep their meaning.

/**
 * SGD as torch.optim.SGD computes it with dampening 0: d = g + weightDecay * p; b <- momentum * b + d;
 * p <- p - lr * (nesterov ? d + momentum * b : b). Momentum 0 is plain SGD (no buffer).
 */
export interface SgdRecipe {
  kind: 'sgd';
  /** Momentum factor mu in [0, 1); 0 is plain SGD. */
  momentum: number;
  /** Nesterov momentum (Sutskever et al. 2013, as PyTorch writes it); needs momentum > 0. */
  nesterov: boolean;
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1, as torch.optim.Adam computes it) with weight decay as an L2 term added to the
 * gradient; AdamW (Loshchilov & Hutter 2019, torch.optim.AdamW) with decoupled decay p <- p * (1 - lr * weightDecay).
 */
export interface AdamRecipe {
  kind: 'adam' | 'adamw';
  /** Decay of the first moment, in [0, 1). */
  beta1: number;
  /** Decay of the second moment, in [0, 1). */
  beta2: number;
  /** Added to the bias-corrected root of the second moment. */
  eps: number;
}

export type OptimizerRecipe = SgdRecipe | AdamRecipe;

/**
 * Learning-rate factor over training, a function of the epoch t (fractional: t = step / steps per epoch, so the
 * factor moves every step). All are multiplied with `lr` and then with the warm-up factor.
 * - constant: 1.
 * - cosine: half a period from 1 to minFactor over all epochs, pycls's lr_fun_cos:
 *   minFactor + (1 - minFactor) * (1 + cos(pi * t / epochs)) / 2.
 * - step: gamma ** (milestones passed), milestones at the epochs listed in `steps`, or every `every` epochs
 *   (torch.optim.lr_scheduler.MultiStepLR / StepLR, pycls lr_fun_steps).
 * - exponential: gamma ** t (torch's ExponentialLR at whole epochs).
 */
export type ScheduleRecipe =
  | { kind: 'constant' }
  | { kind: 'cosine'; minFactor: number }
  | { kind: 'step'; steps: number[]; gamma: number }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'exponential'; gamma: number };

export type ScheduleKind = ScheduleRecipe['kind'];

/** Linear warm-up (pycls OPTIM.WARMUP_*, torch's LinearLR): factor startFactor at t = 0 rising to 1 at t = epochs. */
export interface WarmupRecipe {
  /** Length, epochs (may be fractional); 0 is no warm-up. */
  epochs: number;
  /** Factor at the first step, in [0, 1]. */
  startFactor: number;
}

/** torchvision's RandomResizedCrop: a box of a random share of the area and aspect ratio, resized to the input. */
export interface RandomResizedCropRecipe {
  /** Range of the box's area as a share of the image, 0 < low <= high <= 1. */
  scale: [number, number];
  /** Range of the box's width / height, drawn log-uniformly, 0 < low <= high. */
  ratio: [number, number];
}

/** Augmentation of training images, drawn per image from a stream seeded by (run seed, epoch). Validation is never augmented. */
export interface AugmentationRecipe {
  /** torchvision's RandomCrop(R, padding): zero-pad by `padding` pixels of the training resolution, crop R x R at random. */
  randomCrop: { padding: number } | null;
  /** Mirror left-right with probability 1/2; only for datasets where a mirror image keeps its class. */
  horizontalFlip: boolean;
  randomResizedCrop: RandomResizedCropRecipe | null;
}

/** How a model is trained beyond the settings' lr, batch and epochs. */
export interface Recipe {
  optimizer: OptimizerRecipe;
  /** L2 factor (SGD, Adam: added to the gradient) or decoupled decay (AdamW); 0 is none. */
  weightDecay: number;
  /** No weight decay on batch-norm weights and biases and on any bias (pycls BN.USE_CUSTOM_WEIGHT_DECAY with 0). */
  excludeBnAndBias: boolean;
  schedule: ScheduleRecipe;
  warmup: WarmupRecipe | null;
  /** Label smoothing epsilon in [0, 1): targets (1 - eps) * onehot + eps / classes (Szegedy et al. 2016, sec. 7). */
  labelSmoothing: number;
  augmentation: AugmentationRecipe;
}

/** The d2l chapter's recipe: plain SGD at a constant lr, no weight decay, no warm-up, no smoothing, no augmentation. */
export const DEFAULT_RECIPE: Readonly<Recipe> = deepFreeze({
  optimizer: { kind: 'sgd', momentum: 0, nesterov: false },
  weightDecay: 0,
  excludeBnAndBias: false,
  schedule: { kind: 'constant' },
  warmup: null,
  labelSmoothing: 0,
  augmentation: { randomCrop: null, horizontalFlip: false, randomResizedCrop: null },
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The recipe of stored or requested settings: absent means the chapter's (DEFAULT_RECIPE). */
export function recipeOf(settings: { recipe?: Recipe | undefined }): Recipe {
  return settings.recipe ?? DEFAULT_RECIPE;
}

/**
 * Whether each schedule is drawn over the run's whole length (`train.epochs`), so that epoch k's rate depends on how
 * long the run is: the cosine does (its half period is the run); constant, step and exponential rates, and the
 * warm-up, depend on the epoch alone.
 */
export const SPANS_RUN: Readonly<Record<ScheduleKind, boolean>> = Object.freeze({ constant: false, cosine: true, step: false, exponential: false });

/**
 * Whether epoch k of a run trained with `recipe` differs from epoch k of a longer run with the same recipe. Then a
 * finished run cannot be continued to more epochs as if it had been planned longer (sweep/grow.ts); a schedule
 * (ASHA, the fidelity check) that pauses or stops runs early still gives every run the schedule over its full
 * `train.epochs`, so a paused run continues where it stood (pycls's cosine is over the run's max epochs too).
 */
export function scheduleSpansRun(recipe: Recipe): boolean {
  return SPANS_RUN[recipe.schedule.kind];
}

/** A recipe in a few words for notes and tables, e.g. "SGD momentum 0.9 Nesterov, wd 5e-5, cosine, warm-up 1 ep". */
export function describeRecipe(recipe: Recipe): string {
  const o = recipe.optimizer;
  const parts = [
    o.kind === 'sgd'
      ? `SGD${o.momentum > 0 ? ` momentum ${o.momentum}${o.nesterov ? ' Nesterov' : ''}` : ''}`
      : `${o.kind === 'adam' ? 'Adam' : 'AdamW'} (${o.beta1}, ${o.beta2})`,
  ];
  if (recipe.weightDecay > 0) parts.push(`wd ${recipe.weightDecay}${recipe.excludeBnAndBias ? ' (not on BN/bias)' : ''}`);
  const s = recipe.schedule;
  const schedule: Record<ScheduleKind, () => string> = {
    constant: () => 'constant lr',
    cosine: () => 'cosine lr',
    step: () => {
      const step = s as Extract<ScheduleRecipe, { kind: 'step' }>;
      return `step lr x${step.gamma} ${'every' in step ? `every ${step.every} ep` : `at ${step.steps.join(',')}`}`;
    },
    exponential: () => `exponential lr x${(s as { gamma: number }).gamma}/ep`,
  };
  parts.push(schedule[s.kind]());
  if (recipe.warmup !== null) parts.push(`warm-up ${recipe.warmup.epochs} ep from x${recipe.warmup.startFactor}`);
  if (recipe.labelSmoothing > 0) parts.push(`label smoothing ${recipe.labelSmoothing}`);
  const a = recipe.augmentation;
  if (a.randomCrop !== null) parts.push(`crop pad ${a.randomCrop.padding}`);
  if (a.randomResizedCrop !== null) parts.push(`resized crop ${a.randomResizedCrop.scale.join('-')}`);
  if (a.horizontalFlip) parts.push('flip');
  return parts.join(', ');
}
