// Tests of src/train/lr-schedule.ts against learning rates worked out by hand for each schedule and warm-up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RECIPE, type Recipe } from '../../src/core/recipe.ts';
import { learningRateAt } from '../../src/train/lr-schedule.ts';

/** 100 steps per epoch, 10 epochs, base lr 0.1 throughout. */
const at = (step: number) => ({ step, stepsPerEpoch: 100, epochs: 10 });
const with_ = (parts: Partial<Recipe>): Recipe => ({ ...DEFAULT_RECIPE, ...parts });

function near(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-12 * Math.max(1, Math.abs(want)), `${what}: ${got}, expected ${want}`);
}

describe('train/lr-schedule', () => {
  it("gives the base rate itself at every step under the chapter's recipe", () => {
    for (const step of [0, 1, 99, 100, 999]) assert.equal(learningRateAt(0.05, DEFAULT_RECIPE, at(step)), 0.05);
  });

  it('cosine: half a period from lr to minFactor * lr over the run, moving every step', () => {
    const cosine = with_({ schedule: { kind: 'cosine', minFactor: 0 } });
    near(learningRateAt(0.1, cosine, at(0)), 0.1, 'first step');
    // t = 2.5 of 10 epochs: 0.1 * (1 + cos(pi / 4)) / 2 = 0.1 * (1 + 0.70710678) / 2
    near(learningRateAt(0.1, cosine, at(250)), 0.08535533905932738, 'a quarter of the run');
    near(learningRateAt(0.1, cosine, at(500)), 0.05, 'half way: cos(pi / 2) = 0');
    near(learningRateAt(0.1, cosine, at(1000)), 0, 'the end of the half period');
    // minFactor 0.1: 0.01 + 0.09 * (1 + cos(pi / 2)) / 2 = 0.01 + 0.045
    near(learningRateAt(0.1, with_({ schedule: { kind: 'cosine', minFactor: 0.1 } }), at(500)), 0.055, 'with a floor');
  });

  it('step: gamma per milestone reached, at listed epochs or every k epochs', () => {
    const listed = with_({ schedule: { kind: 'step', steps: [3, 6], gamma: 0.1 } });
    near(learningRateAt(0.1, listed, at(299)), 0.1, 'last step before epoch 3');
    near(learningRateAt(0.1, listed, at(300)), 0.01, 'first step of epoch 4 (t = 3)');
    near(learningRateAt(0.1, listed, at(599)), 0.01, 'before the second milestone');
    near(learningRateAt(0.1, listed, at(600)), 0.001, 'after both');
    const every = with_({ schedule: { kind: 'step', every: 2, gamma: 0.5 } });
    near(learningRateAt(0.1, every, at(199)), 0.1, 'before t = 2');
    near(learningRateAt(0.1, every, at(200)), 0.05, 't = 2');
    near(learningRateAt(0.1, every, at(450)), 0.025, 't = 4.5: two halvings');
  });

  it('exponential: gamma ** t, torch ExponentialLR at whole epochs and smooth between', () => {
    const exponential = with_({ schedule: { kind: 'exponential', gamma: 0.9 } });
    near(learningRateAt(0.1, exponential, at(100)), 0.09, 'one epoch');
    near(learningRateAt(0.1, exponential, at(200)), 0.081, 'two epochs');
    // 0.9 ** 1.5 = 0.9 * sqrt(0.9) = 0.9 * 0.9486832981 = 0.8538149682
    near(learningRateAt(0.1, exponential, at(150)), 0.08538149682454625, 'one and a half');
  });

  it('warm-up: linear from startFactor at the first step, multiplied into the schedule, ending at its last epoch', () => {
    const warm = with_({ schedule: { kind: 'cosine', minFactor: 0 }, warmup: { epochs: 1, startFactor: 0.1 } });
    near(learningRateAt(0.1, warm, at(0)), 0.01, 'first step: 0.1 * 1 * 0.1');
    // t = 0.5: cosine (1 + cos(0.05 pi)) / 2 = 0.9938441703; warm-up 0.1 * 0.5 + 0.5 = 0.55
    near(learningRateAt(0.1, warm, at(50)), 0.054661429366366296, 'half way through the warm-up');
    // t = 0.99: cosine (1 + cos(0.099 pi)) / 2 = 0.9760113135; warm-up 0.1 * 0.01 + 0.99 = 0.991
    near(learningRateAt(0.1, warm, at(99)), 0.09672272116515827, 'last warm-up step');
    // t = 1: the warm-up has ended; cosine (1 + cos(0.1 pi)) / 2 = 0.9755282581
    near(learningRateAt(0.1, warm, at(100)), 0.09755282581475769, 'first step after the warm-up');
    const constant = with_({ warmup: { epochs: 2, startFactor: 0 } });
    near(learningRateAt(0.2, constant, at(0)), 0, 'from 0');
    near(learningRateAt(0.2, constant, at(100)), 0.1, 'half of a two-epoch warm-up');
    near(learningRateAt(0.2, constant, at(200)), 0.2, 'ended');
  });
});
