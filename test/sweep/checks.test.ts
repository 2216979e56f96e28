// Tests of the checks made before any run of a sweep is marked: data limits, one-value batch norms, the wasm heap.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyNetConfig, TrainSettings } from '../../src/core/types.ts';
import { REGNET32 } from '../../src/space/presets.ts';
import { checkPlan, firstOneByOneNorm, heapEstimate, passSizes } from '../../src/sweep/checks.ts';

const SETTINGS: TrainSettings = { epochs: 1, resolution: 28, batchSize: 128, lr: 0.05, trainSize: null, valSize: null };
const DATA = { name: 'Fashion-MNIST', trainImages: 60_000, testImages: 10_000 };
const SPEC = { kind: 'spec', source: 'demo.yaml' } as const;
const stage = { depth: 1, width: 16, groupWidth: 8, bottleneckMultiplier: 1 };
/** Four stages: 28 px -> 14 (stem) -> 7 -> 4 -> 2 -> 1, so stage 4's strided conv gives a 1x1 map. */
const FOUR: AnyNetConfig = { inputChannels: 1, stemWidth: 8, numClasses: 10, convBias: true, stages: [stage, stage, stage, stage] };

function refuses(f: () => void, message: RegExp): void {
  assert.throws(f, (e: Error) => e.name === 'NetspaceError' && message.test(e.message));
}

describe('sweep/checks', () => {
  it('lists the sizes of the passes an epoch makes, micro-batches included', () => {
    assert.deepEqual(passSizes(60_000, SETTINGS), [128, 96]);
    assert.deepEqual(passSizes(256, SETTINGS), [128]);
    assert.deepEqual(passSizes(100, SETTINGS), [100]);
    assert.deepEqual(passSizes(257, { ...SETTINGS, microBatch: 50 }), [50, 28, 1]);
  });

  it('finds the first batch norm that sees a 1x1 feature map, as the convolutions shrink the input', () => {
    assert.deepEqual(firstOneByOneNorm(FOUR, 28), { layer: 'stage4.block0.bn2', side: 1 });
    assert.deepEqual(firstOneByOneNorm(FOUR, 32), { layer: 'stage4.block0.bn2', side: 1 });
    assert.equal(firstOneByOneNorm(FOUR, 64), null);
    assert.equal(firstOneByOneNorm(REGNET32, 28), null);
    assert.deepEqual(firstOneByOneNorm({ ...FOUR, stages: [stage, stage, stage] }, 16), { layer: 'stage3.block0.bn2', side: 1 });
    assert.deepEqual(firstOneByOneNorm(FOUR, 2), { layer: 'stem.bn', side: 1 });
  });

  it('refuses subsets larger than their split, naming the setting, the size and the split', () => {
    refuses(() => checkPlan([{ space: 'A', config: REGNET32, settings: { ...SETTINGS, trainSize: 70_000 } }], DATA, SPEC, false), /^demo\.yaml: train\.trainSize is 70,000, but Fashion-MNIST has 60,000 training images$/);
    refuses(() => checkPlan([{ space: 'A', config: REGNET32, settings: { ...SETTINGS, valSize: 20_000 } }], DATA, { kind: 'options' }, false), /^--val-size is 20,000, but Fashion-MNIST has 10,000 test \(validation\) images$/);
  });

  it('refuses a pass of one image through a 1x1 batch norm, as PyTorch does, and allows it where maps are larger', () => {
    refuses(() => checkPlan([{ space: 'tiny', config: FOUR, settings: { ...SETTINGS, trainSize: 129 } }], DATA, SPEC, false), /train\.trainSize leaves a pass of 1 image \(129 training images in batches of 128\) while tiny's stage4\.block0\.bn2 normalises a 1x1 feature map/);
    refuses(() => checkPlan([{ space: 'tiny', config: FOUR, settings: { ...SETTINGS, microBatch: 1 } }], DATA, { kind: 'options' }, false), /^--micro-batch leaves a pass of 1 image/);
    checkPlan([{ space: 'tiny', config: FOUR, settings: { ...SETTINGS, trainSize: 130 } }], DATA, SPEC, false);
    checkPlan([{ space: 'r', config: REGNET32, settings: { ...SETTINGS, trainSize: 129 } }], DATA, SPEC, false);
  });

  it('refuses steps far above the wasm heap with the micro-batch that would fit, and lets the chapter\'s run through', () => {
    const chapter = { ...SETTINGS, resolution: 96, batchSize: 128 };
    // Measured: 2.35 GiB for this step (README); the estimate must be near it and under the limit.
    const estimate = heapEstimate(REGNET32, 96, 128) / 2 ** 30;
    assert.ok(estimate > 2.2 && estimate < 2.6, `estimate ${estimate} GiB`);
    checkPlan([{ space: 'regnet32', config: REGNET32, settings: chapter }], DATA, SPEC, true);
    refuses(() => checkPlan([{ space: 'regnet32', config: REGNET32, settings: { ...chapter, batchSize: 512 } }], DATA, { kind: 'options' }, true), /^--batch asks for about 9\.5 GB of wasm heap per training pass \(regnet32 at 96x96, 512 images per pass\), above what its 4 GB heap holds: use a smaller batch or split it into micro-batches \(188 images or fewer per pass would fit\)$/);
    checkPlan([{ space: 'regnet32', config: REGNET32, settings: { ...chapter, batchSize: 512, microBatch: 128 } }], DATA, SPEC, true);
    checkPlan([{ space: 'regnet32', config: REGNET32, settings: { ...chapter, batchSize: 512 } }], DATA, SPEC, false);
  });
});
