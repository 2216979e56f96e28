import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNetspaceError } from '../../src/errors.ts';
import { adjustBlockCompatibility, adjustStages } from '../../src/space/compatibility.ts';
import { bottleneckWidth } from '../../src/space/config.ts';

const shape = (width: number, bottleneckMultiplier: number, groupWidth: number) => ({ width, groupWidth, bottleneckMultiplier });

describe('space/compatibility', () => {
  it('keeps shapes that already fit', () => {
    assert.deepEqual(adjustBlockCompatibility(shape(80, 1, 16)), shape(80, 1, 16));
    assert.deepEqual(adjustBlockCompatibility(shape(64, 0.5, 8)), shape(64, 0.5, 8));
  });

  it('lowers a group width above the bottleneck width to that width', () => {
    // 8 x 1/4 = 2 bottleneck channels: g = min(16, 2) = 2.
    assert.deepEqual(adjustBlockCompatibility(shape(8, 0.25, 16)), shape(8, 0.25, 2));
  });

  it('rounds the bottleneck width to a multiple of g, halves to even, and scales the width back', () => {
    // 24 x 1/4 = 6; 6 / 4 = 1.5 -> 2; v = 8; width = 8 x 4 = 32.
    assert.deepEqual(adjustBlockCompatibility(shape(24, 0.25, 4)), shape(32, 0.25, 4));
    // 40 / 16 = 2.5 -> 2 (even): 32.   56 / 16 = 3.5 -> 4 (even): 64.   48 / 32 = 1.5 -> 2: 64.
    assert.deepEqual(adjustBlockCompatibility(shape(40, 1, 16)), shape(32, 1, 16));
    assert.deepEqual(adjustBlockCompatibility(shape(56, 1, 16)), shape(64, 1, 16));
    assert.deepEqual(adjustBlockCompatibility(shape(48, 1, 32)), shape(64, 1, 32));
    // RegNetX-400MF's raw widths with g = 16: 24 -> 32 (1.5 -> 2), 152 -> 160 (9.5 -> 10), 392 -> 384 (24.5 -> 24).
    assert.deepEqual([24, 64, 152, 392].map((w) => adjustBlockCompatibility(shape(w, 1, 16)).width), [32, 64, 160, 384]);
  });

  it('uses lcm(g, b) for a whole multiplier above 1, so that width = v / b stays whole', () => {
    // b = 2, w = 10: v = 20, m = lcm(8, 2) = 8, 20 / 8 = 2.5 -> 2, v = 16, w = 8.
    assert.deepEqual(adjustBlockCompatibility(shape(10, 2, 8)), shape(8, 2, 8));
    // b = 3, w = 10: v = 30, m = lcm(4, 3) = 12, 30 / 12 = 2.5 -> 2, v = 24, w = 8.
    assert.deepEqual(adjustBlockCompatibility(shape(10, 3, 4)), shape(8, 3, 4));
    // b = 3, w = 1: v = 3, g = 2, m = 6, round(0.5) = 0 -> at least m: v = 6, w = 2.
    assert.deepEqual(adjustBlockCompatibility(shape(1, 3, 2)), shape(2, 3, 2));
  });

  it('always returns a shape whose bottleneck width the group width divides', () => {
    for (const multiplier of [1, 0.5, 0.25, 2, 4]) {
      for (let width = 8; width <= 256; width += 8) {
        for (const g of [1, 2, 4, 8, 16, 24, 32, 48]) {
          const out = adjustBlockCompatibility(shape(width, multiplier, g));
          const inner = bottleneckWidth({ depth: 1, ...out });
          assert.equal(inner % out.groupWidth, 0, `${width} x ${multiplier}, g ${g} -> ${JSON.stringify(out)}`);
          assert.ok(out.groupWidth <= g);
        }
      }
    }
  });

  it('fails with a NetspaceError when no width fits', () => {
    // round(w x 1.5) for w = 1, 2, 3, 4 is 2, 3, 4, 6: never 5, the multiple of g = 5 that v = 6 rounds to.
    assert.throws(() => adjustBlockCompatibility(shape(4, 1.5, 5)), (e) => isNetspaceError(e) && /multiple of group width 5/.test(e.message));
  });

  it('adjusts a list of stages and keeps depths', () => {
    const stages = adjustStages([
      { depth: 3, width: 24, groupWidth: 4, bottleneckMultiplier: 0.25 },
      { depth: 5, width: 80, groupWidth: 16, bottleneckMultiplier: 1 },
    ]);
    assert.deepEqual(stages, [
      { depth: 3, width: 32, groupWidth: 4, bottleneckMultiplier: 0.25 },
      { depth: 5, width: 80, groupWidth: 16, bottleneckMultiplier: 1 },
    ]);
  });
});
