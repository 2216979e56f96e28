// Where a sampled config differs from the model trained: the widths and group widths the compatibility rule changed.
import { messages } from '../messages.ts';
import type { SampledConfig } from './sampler.ts';

/** The stage fields the compatibility rule (compatibility.ts) may change. */
export type AdjustedField = 'width' | 'groupWidth';

/** One value the compatibility rule changed between drawing and training. */
export interface Adjustment {
  /** Stage number, from 1 (as the report's w1, g1 name them). */
  stage: number;
  field: AdjustedField;
  /** Drawn value and trained value, channels. */
  sampled: number;
  trained: number;
  /** Why, in one sentence: the rule that changed it (pycls adjust_block_compatibility). */
  reason: string;
}

/** The drawn per-stage values of a field: a list per stage, or one shared number, or nothing drawn directly. */
function drawn(sampled: SampledConfig['sampled'], field: AdjustedField, stages: number): number[] | null {
  const value = sampled[`${field}s`] ?? sampled[field];
  if (Array.isArray(value)) return value.length === stages ? value : null;
  return typeof value === 'number' ? Array.from({ length: stages }, () => value) : null;
}

/**
 * Every width and group width whose trained value differs from the drawn one, stage by stage. Widths are compared
 * where the space draws them per stage (AnyNet spaces); RegNetX's come from its quantised width line, not a draw, so
 * only its group width is compared. Empty when the model trains what was drawn.
 */
export function compatibilityAdjustments(sample: SampledConfig): Adjustment[] {
  const stages = sample.config.stages;
  const widths = drawn(sample.sampled, 'width', stages.length);
  const out: Adjustment[] = [];
  for (const field of ['width', 'groupWidth'] as const) {
    const values = drawn(sample.sampled, field, stages.length);
    if (values === null) continue;
    stages.forEach((stage, i) => {
      const [before, after] = [values[i]!, stage[field]];
      if (before === after) return;
      const width = widths?.[i] ?? stage.width;
      const reason = messages.space.adjusted(i + 1, field, before, after, width, stage.bottleneckMultiplier, stage.groupWidth);
      out.push({ stage: i + 1, field, sampled: before, trained: after, reason });
    });
  }
  return out.sort((a, b) => a.stage - b.stage);
}
