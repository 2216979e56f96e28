import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNetspaceError } from '../../src/errors.ts';
import { generateRegNet, regnetWidths } from '../../src/space/regnet.ts';

const BASE = { inputChannels: 1, stemWidth: 32, numClasses: 10, convBias: true };

describe('space/regnet', () => {
  it('quantizes linear widths into stages: d=6, w0=16, wa=8, wm=2', () => {
    // u = 16 24 32 40 48 56; log2(u/16) = 0 .58 1 1.32 1.58 1.81; s = 0 1 1 1 2 2; w = 16 32 32 32 64 64.
    assert.deepEqual(regnetWidths({ depth: 6, w0: 16, wa: 8, wm: 2 }), { widths: [16, 32, 64], depths: [1, 3, 2], totalStages: 3 });
  });

  it('gives RegNetX-400MF the widths [24, 64, 152, 392] and depths [1, 2, 7, 12] before compatibility', () => {
    // s_j = round(log(1 + 24.48 j / 24) / log 2.54): 0 for j=0, 1 for j=1..2, 2 for j=3..9, 3 for j=10..21.
    assert.deepEqual(regnetWidths({ depth: 22, w0: 24, wa: 24.48, wm: 2.54 }), {
      widths: [24, 64, 152, 392],
      depths: [1, 2, 7, 12],
      totalStages: 4,
    });
  });

  it('rounds exponents and widths half to even, as numpy', () => {
    // u = 8 16 24 with wm = 4: log(16/8)/log(4) = 0.5 exactly, which goes to 0 (half up would give 1).
    assert.deepEqual(regnetWidths({ depth: 3, w0: 8, wa: 8, wm: 4 }).widths, [8, 32]);
    assert.deepEqual(regnetWidths({ depth: 3, w0: 8, wa: 8, wm: 4 }).depths, [2, 1]);
    // 8 * 2.5 = 20 = 2.5 * 8 goes to 16 (half up would give 24).
    assert.deepEqual(regnetWidths({ depth: 2, w0: 8, wa: 12, wm: 2.5 }).widths, [8, 16]);
  });

  it('reports a skipped exponent: the stage count falls short of totalStages', () => {
    // u1 / w0 = 48 / 8 = 6, log2 6 = 2.58 -> s = 3: stages 0 and 3 exist, 1 and 2 are skipped.
    const widths = regnetWidths({ depth: 2, w0: 8, wa: 40, wm: 2 });
    assert.deepEqual(widths, { widths: [8, 64], depths: [1, 1], totalStages: 4 });
  });

  it('makes one stage when wa = 0', () => {
    assert.deepEqual(regnetWidths({ depth: 5, w0: 48, wa: 0, wm: 2 }), { widths: [48], depths: [5], totalStages: 1 });
  });

  it('returns AnyNet stages made compatible with the group width (RegNetX-400MF: 32 64 160 384)', () => {
    const config = generateRegNet({ depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16 }, BASE);
    assert.deepEqual(config, {
      ...BASE,
      stages: [
        { depth: 1, width: 32, groupWidth: 16, bottleneckMultiplier: 1 },
        { depth: 2, width: 64, groupWidth: 16, bottleneckMultiplier: 1 },
        { depth: 7, width: 160, groupWidth: 16, bottleneckMultiplier: 1 },
        { depth: 12, width: 384, groupWidth: 16, bottleneckMultiplier: 1 },
      ],
    });
  });

  it('passes the bottleneck multiplier to every stage', () => {
    const config = generateRegNet({ depth: 6, w0: 16, wa: 8, wm: 2, groupWidth: 4, bottleneckMultiplier: 0.5 }, BASE);
    assert.deepEqual(config.stages.map((s) => [s.width, s.bottleneckMultiplier, s.groupWidth]), [[16, 0.5, 4], [32, 0.5, 4], [64, 0.5, 4]]);
  });

  it('rejects invalid parameters, naming the parameter and value', () => {
    const good = { depth: 6, w0: 16, wa: 8, wm: 2, groupWidth: 8 };
    const cases: Array<[Partial<typeof good>, RegExp]> = [
      [{ depth: 0 }, /depth d must be a positive integer, got 0/],
      [{ w0: 12 }, /w0 must be a positive multiple of 8, got 12/],
      [{ wa: -1 }, /wa must be a number >= 0, got -1/],
      [{ wm: 1 }, /wm must be a number > 1, got 1/],
      [{ groupWidth: 2.5 }, /group width g must be a positive integer, got 2.5/],
    ];
    for (const [change, message] of cases) {
      assert.throws(() => generateRegNet({ ...good, ...change }, BASE), (e) => isNetspaceError(e) && message.test(e.message));
    }
  });
});
