// Makes a stage's width, bottleneck multiplier and group width fit together (pycls adjust_block_compatibility).
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';
import { roundHalfEven, type StageConfig } from './config.ts';

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The stage fields the rule looks at and changes. */
export type BlockShape = Pick<StageConfig, 'width' | 'bottleneckMultiplier' | 'groupWidth'>;

/**
 * Returns the nearest shape whose bottleneck width round(width x multiplier) is a multiple of the group width, the
 * rule pycls applies to every sampled RegNet (`adjust_block_compatibility`):
 * 1. v = round(width x multiplier), at least 1: the bottleneck width;
 * 2. if g > v, g = v (a group cannot be wider than the bottleneck);
 * 3. v is rounded (halves to even, as Python) to a multiple of m, and at least m, where m = lcm(g, multiplier) for
 *    a whole multiplier > 1 (inverted bottlenecks, so that width = v / multiplier stays whole) and m = g otherwise;
 * 4. width = v / multiplier.
 * For the multipliers 1, 1/2, 1/4 of the AnyNetX spaces every step is exact. pycls truncates in step 1 where this
 * rounds, as the model builder does; they differ only when width x multiplier is not a whole number.
 * Throws a NetspaceError when no width fits (a multiplier such as 1.5 whose products never land on whole numbers).
 */
export function adjustBlockCompatibility(shape: BlockShape): BlockShape {
  const { bottleneckMultiplier: multiplier } = shape;
  let v = Math.max(1, roundHalfEven(shape.width * multiplier));
  const groupWidth = Math.min(shape.groupWidth, v);
  const wholeInverted = multiplier > 1 && Number.isInteger(multiplier);
  const m = wholeInverted ? (groupWidth / gcd(groupWidth, multiplier)) * multiplier : groupWidth;
  v = Math.max(m, roundHalfEven(v / m) * m);
  const width = roundHalfEven(v / multiplier);
  // The model takes round(width x multiplier) channels, so that, not v, must be a multiple of the group width.
  if (width < 1 || roundHalfEven(width * multiplier) % groupWidth !== 0) {
    throw new NetspaceError(messages.space.incompatible(shape.width, multiplier, shape.groupWidth));
  }
  return { width, groupWidth, bottleneckMultiplier: multiplier };
}

/** adjustBlockCompatibility applied to each stage of a list, keeping the depths. */
export function adjustStages(stages: readonly StageConfig[]): StageConfig[] {
  return stages.map((stage) => {
    const { width, groupWidth, bottleneckMultiplier } = adjustBlockCompatibility(stage);
    return { depth: stage.depth, width, groupWidth, bottleneckMultiplier };
  });
}
