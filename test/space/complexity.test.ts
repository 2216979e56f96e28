import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { complexity } from '../../src/space/complexity.ts';
import { REGNET32 } from '../../src/space/presets.ts';
import { generateRegNet } from '../../src/space/regnet.ts';
import { tinyAnyNet } from '../model/tiny.ts';

const PYCLS_IMAGENET = { inputChannels: 3, stemWidth: 32, numClasses: 1000, convBias: false };

/** One stage of one block on an 8x8 single-channel input: small enough to count every layer by hand. */
const TINY = tinyAnyNet({}, { convBias: false });

describe('space/complexity', () => {
  it('gives RegNetX-400MF the flops, params and acts pycls reports (dev/model_complexity.json)', () => {
    const config = generateRegNet({ depth: 22, w0: 24, wa: 24.48, wm: 2.54, groupWidth: 16 }, PYCLS_IMAGENET);
    assert.deepEqual(complexity(config, 224), { flops: 397_678_568, params: 5_157_512, acts: 3_143_272 });
  });

  it('gives RegNetX-200MF the figures pycls reports too', () => {
    const config = generateRegNet({ depth: 13, w0: 24, wa: 36.44, wm: 2.49, groupWidth: 8 }, PYCLS_IMAGENET);
    assert.deepEqual(complexity(config, 224), { flops: 199_040_872, params: 2_684_792, acts: 2_164_056 });
  });

  it('counts 179,290 parameters for the chapter RegNet32, at any resolution', () => {
    assert.equal(complexity(REGNET32, 28).params, 179_290);
    assert.equal(complexity(REGNET32, 96).params, 179_290);
    assert.ok(complexity(REGNET32, 96).flops > complexity(REGNET32, 28).flops);
  });

  it('counts each layer of a one-block network as worked out by hand', () => {
    // 8x8 -> stem 3x3/2 -> 4x4 -> block stride 2 -> 2x2. Bottleneck 16 channels, groups 16 / 8 = 2.
    const stem = { flops: 9 * 1 * 8 * 16, params: 9 * 8 + 2 * 8, acts: 8 * 16 };
    const projection = { flops: 8 * 16 * 4, params: 8 * 16 + 2 * 16, acts: 16 * 4 };
    const a = { flops: 8 * 16 * 16, params: 8 * 16 + 2 * 16, acts: 16 * 16 };
    const b = { flops: (9 * 16 * 16 * 4) / 2, params: (9 * 16 * 16) / 2 + 2 * 16, acts: 16 * 4 };
    const c = { flops: 16 * 16 * 4, params: 16 * 16 + 2 * 16, acts: 16 * 4 };
    const head = { flops: 16 * 10 + 10, params: 16 * 10 + 10, acts: 10 };
    const layers = [stem, projection, a, b, c, head];
    const sum = (field: 'flops' | 'params' | 'acts') => layers.reduce((total, layer) => total + layer[field], 0);
    assert.deepEqual(complexity(TINY, 8), { flops: sum('flops'), params: sum('params'), acts: sum('acts') });
  });

  it('adds a bias per output channel to params and per output element to flops', () => {
    const without = complexity(TINY, 8);
    const withBias = complexity({ ...TINY, convBias: true }, 8);
    // Five convolutions: stem (8 channels, 4x4), projection, a, b, c (16 channels at 2x2, 4x4, 2x2, 2x2).
    assert.equal(withBias.params - without.params, 8 + 16 * 4);
    assert.equal(withBias.flops - without.flops, 8 * 16 + 16 * 4 + 16 * 16 + 16 * 4 + 16 * 4);
    assert.equal(withBias.acts, without.acts);
  });

  it('shrinks a side h to (h - 1) // stride + 1: 7 and 8 pixels give 4x4 after the stem, 9 gives 5x5', () => {
    assert.deepEqual(complexity(TINY, 7), complexity(TINY, 8));
    // At 9: stem 8 x 5x5; projection 16 x 3x3; a 16 x 5x5; b and c 16 x 3x3; head 10.
    assert.equal(complexity(TINY, 9).acts, 8 * 25 + 16 * 9 + 16 * 25 + 16 * 9 + 16 * 9 + 10);
  });
});
