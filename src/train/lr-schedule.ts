// The learning rate of every optimizer step: the recipe's schedule times its linear warm-up, a pure function.
import type { Recipe, ScheduleKind, ScheduleRecipe } from '../core/recipe.ts';

/** Where a step is in training: the schedule's clock. */
export interface SchedulePosition {
  /** 0-based optimizer step over the whole run (the first batch of epoch e is step (e - 1) * stepsPerEpoch). */
  step: number;
  /** Optimizer steps per epoch (batches per epoch). */
  stepsPerEpoch: number;
  /** Epochs of the whole run (the cosine's half period). */
  epochs: number;
}

type FactorOf<K extends ScheduleKind> = (schedule: Extract<ScheduleRecipe, { kind: K }>, t: number, epochs: number) => number;

/** Each schedule's factor at epoch t (fractional), as core/recipe.ts ScheduleRecipe defines it. */
const FACTORS: { [K in ScheduleKind]: FactorOf<K> } = {
  constant: () => 1,
  // pycls lr_fun_cos: half a cosine period over the whole run.
  cosine: (s, t, epochs) => s.minFactor + (1 - s.minFactor) * 0.5 * (1 + Math.cos((Math.PI * t) / epochs)),
  // pycls lr_fun_steps / torch MultiStepLR: one factor gamma per milestone reached (t >= milestone).
  step: (s, t) => s.gamma ** ('every' in s ? Math.floor(t / s.every) : s.steps.filter((m) => t >= m).length),
  exponential: (s, t) => s.gamma ** t,
};

/**
 * The learning rate of the step at `at`: lr * schedule factor(t) * warm-up factor(t), t = step / stepsPerEpoch in
 * epochs, so the rate moves every step (pycls sets its rate once per epoch with the same formulas: at the first step
 * of each epoch the two agree). Warm-up (pycls get_epoch_lr, torch LinearLR): for t < W the factor is
 * startFactor * (1 - t / W) + t / W, from startFactor at the first step up to 1 at epoch W; 1 after. The chapter's
 * recipe gives `lr` itself at every step.
 */
export function learningRateAt(lr: number, recipe: Recipe, at: SchedulePosition): number {
  const t = at.step / at.stepsPerEpoch;
  const factor = (FACTORS[recipe.schedule.kind] as FactorOf<ScheduleKind>)(recipe.schedule, t, at.epochs);
  const w = recipe.warmup;
  if (w === null || t >= w.epochs) return lr * factor;
  const alpha = t / w.epochs;
  return lr * factor * (w.startFactor * (1 - alpha) + alpha);
}
