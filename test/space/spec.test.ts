import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNetspaceError } from '../../src/errors.ts';
import { builtinSpaces, SPACE_DEFAULTS } from '../../src/space/builtins.ts';
import { parseSpaceSpec, SPACE_KINDS, type AnyNetSpace, type RegNetXSpace } from '../../src/space/spec.ts';

const rejects = (value: unknown, message: RegExp) =>
  assert.throws(() => parseSpaceSpec(value, 'my-space.yaml'), (e) => isNetspaceError(e) && message.test(e.message), `expected ${message}`);

describe('space/spec', () => {
  it('reads every built-in space back as itself, and as plain JSON', () => {
    for (const scale of ['fashion-mnist', 'imagenet'] as const) {
      for (const kind of SPACE_KINDS) {
        const space = SPACE_DEFAULTS[scale][kind];
        assert.deepEqual(parseSpaceSpec(JSON.parse(JSON.stringify(space)), 'test'), space, `${scale} ${kind}`);
      }
    }
    assert.deepEqual(Object.keys(builtinSpaces), ['AnyNetX_A', 'AnyNetX_B', 'AnyNetX_C', 'AnyNetX_D', 'AnyNetX_E', 'RegNetX']);
  });

  it('fills what a spec leaves out from the built-in space of its kind at Fashion-MNIST scale', () => {
    assert.deepEqual(parseSpaceSpec({ kind: 'AnyNetX_C' }, 'test'), builtinSpaces.AnyNetX_C);
    const space = parseSpaceSpec({ kind: 'RegNetX', stages: 3, resolution: 56 }, 'test') as RegNetXSpace;
    assert.deepEqual({ ...space, stages: 2, resolution: 28 }, builtinSpaces.RegNetX);
  });

  it('states the Fashion-MNIST scale: 2 stages, stem 32, 1 channel, 28 pixels, 10 classes, conv bias', () => {
    for (const space of Object.values(builtinSpaces)) {
      const { stages, stemWidth, inputChannels, resolution, numClasses, convBias } = space;
      assert.deepEqual({ stages, stemWidth, inputChannels, resolution, numClasses, convBias }, {
        stages: 2, stemWidth: 32, inputChannels: 1, resolution: 28, numClasses: 10, convBias: true,
      });
    }
  });

  it('expresses the paper ImageNet spaces with scale: imagenet, pycls ranges for RegNetX', () => {
    const regnet = parseSpaceSpec({ kind: 'RegNetX', scale: 'imagenet' }, 'test') as RegNetXSpace;
    assert.equal(regnet.name, 'RegNetX@imagenet');
    assert.deepEqual([regnet.stages, regnet.inputChannels, regnet.resolution, regnet.numClasses, regnet.convBias], [4, 3, 224, 1000, false]);
    assert.deepEqual(regnet.depth, { dist: 'uniform', low: 12, high: 28, quantum: 1 });
    assert.deepEqual(regnet.w0, { dist: 'log-uniform', low: 8, high: 256, quantum: 8 });
    assert.deepEqual(regnet.wa, { dist: 'log-uniform', low: 8, high: 256, quantum: 0.1 });
    assert.deepEqual(regnet.wm, { dist: 'log-uniform', low: 2, high: 3, quantum: 0.001 });
    assert.deepEqual(regnet.groupWidth, { dist: 'power-of-2-or-log', low: 8, high: 128, quantum: 8 });
    const d = parseSpaceSpec({ kind: 'AnyNetX_D', scale: 'imagenet', name: 'wide-D', width: { dist: 'log-uniform', low: 16, high: 2048, quantum: 8 } }, 'test') as AnyNetSpace;
    assert.equal(d.name, 'wide-D');
    assert.deepEqual(d.depth, { dist: 'log-uniform', low: 1, high: 16, quantum: 1 });
    assert.deepEqual(d.width, { dist: 'log-uniform', low: 16, high: 2048, quantum: 8 });
    assert.deepEqual([d.shared, d.nonDecreasing], [['bottleneckRatio', 'groupWidth'], ['width']]);
  });

  it('takes per-stage distributions and free constraints in an AnyNet space', () => {
    const space = parseSpaceSpec(
      {
        kind: 'AnyNet',
        name: 'three-stage',
        stages: 3,
        depth: [1, { dist: 'uniform', low: 1, high: 4, quantum: 1 }, 2],
        groupWidth: 8,
        shared: ['groupWidth'],
        nonDecreasing: ['width', 'depth'],
      },
      'test',
    ) as AnyNetSpace;
    assert.deepEqual(space.depth, [{ dist: 'fixed', value: 1 }, { dist: 'uniform', low: 1, high: 4, quantum: 1 }, { dist: 'fixed', value: 2 }]);
    assert.deepEqual(space.groupWidth, { dist: 'fixed', value: 8 });
    assert.deepEqual(space.shared, ['groupWidth']);
    // Listed in the canonical parameter order, whatever order the spec used.
    assert.deepEqual(space.nonDecreasing, ['depth', 'width']);
  });

  it('rejects unknown kinds and misspelled keys, suggesting the near one', () => {
    // Kinds match whatever their case (RegNetx is RegNetX); a misspelt one is refused with the near one.
    assert.equal(parseSpaceSpec({ kind: 'RegNetx' }, 'my-space.yaml').kind, 'RegNetX');
    rejects({ kind: 'RegNetY' }, /^my-space\.yaml: kind must be one of AnyNetX_A, .*, got "RegNetY" \(did you mean "RegNetX"\?\)/);
    rejects({ kind: 'ResNet' }, /^my-space\.yaml: kind must be one of .* got "ResNet"/);
    rejects({ width: 8 }, /^my-space\.yaml: kind is missing/);
    rejects({ kind: 'AnyNetX_A', widht: 8 }, /^my-space\.yaml: widht is not a known key \(did you mean "width"\?\)/);
    rejects({ kind: 'RegNetX', w_0: 8 }, /^my-space\.yaml: w_0 is not a known key \(did you mean "w0"\?\)/);
    rejects({ kind: 'AnyNetX_A', depth: { dist: 'uniform', low: 1, hihg: 4, quantum: 1 } }, /^my-space\.yaml: depth\.hihg is not a known key \(did you mean "high"\?\)/);
    rejects({ kind: 'AnyNet', nonDecreasing: ['widths'] }, /^my-space\.yaml: nonDecreasing\[0\] names "widths", which is not one of .* \(did you mean "width"\?\)/);
    rejects([1, 2], /^my-space\.yaml: the space spec must be an object/);
  });

  it('rejects bad ranges, naming the path of the distribution', () => {
    rejects({ kind: 'AnyNetX_A', depth: { dist: 'uniform', low: 8, high: 2, quantum: 1 } }, /^my-space\.yaml: depth has low 8 above high 2/);
    rejects(
      { kind: 'AnyNet', width: [{ dist: 'log-uniform', low: 8, high: 64, quantum: 8 }, { dist: 'log-uniform', low: 0, high: 64, quantum: 8 }] },
      /^my-space\.yaml: width\[1\]\.low has low 0, but a log-uniform range needs low > 0/,
    );
    rejects({ kind: 'RegNetX', wa: { dist: 'log-uniform', low: 8, high: 256, quantum: 3 } }, /^my-space\.yaml: wa\.quantum does not divide low = 8/);
  });

  it('rejects values a parameter cannot take', () => {
    rejects({ kind: 'AnyNetX_A', depth: { dist: 'uniform', low: 1, high: 8, quantum: 0.5 } }, /^my-space\.yaml: depth\.quantum is 0\.5, but depth takes whole numbers only/);
    rejects({ kind: 'AnyNetX_A', width: [8, 16.5] }, /^my-space\.yaml: width\[1\] is 16\.5, but width takes whole numbers only/);
    rejects({ kind: 'AnyNetX_A', depth: { dist: 'uniform', low: 0, high: 8, quantum: 1 } }, /^my-space\.yaml: depth can produce 0, but depth must be >= 1/);
    rejects({ kind: 'RegNetX', w0: { dist: 'log-uniform', low: 8, high: 64, quantum: 4 } }, /^my-space\.yaml: w0\.quantum is 4, but every w0 must be a multiple of 8/);
    rejects({ kind: 'RegNetX', wm: { dist: 'uniform', low: 1, high: 3, quantum: 0.5 } }, /^my-space\.yaml: wm can produce 1, but wm must be > 1/);
    rejects({ kind: 'RegNetX', depth: [4, 8] }, /^my-space\.yaml: depth takes one distribution/);
  });

  it('rejects per-stage lists of the wrong length or for shared parameters', () => {
    rejects({ kind: 'AnyNetX_A', stages: 3, depth: [1, 2] }, /^my-space\.yaml: depth lists 2 per-stage distributions, but the space has 3 stages/);
    rejects({ kind: 'AnyNetX_C', groupWidth: [8, 16] }, /^my-space\.yaml: groupWidth is one shared value/);
  });

  it('keeps the constraints of an AnyNetX kind fixed', () => {
    assert.equal(parseSpaceSpec({ kind: 'AnyNetX_D', shared: ['groupWidth', 'bottleneckRatio'] }, 'test').kind, 'AnyNetX_D');
    rejects({ kind: 'AnyNetX_B', shared: [] }, /^my-space\.yaml: shared is fixed to \["bottleneckRatio"\] by kind AnyNetX_B, got \[\]; use kind "AnyNet"/);
    rejects({ kind: 'AnyNetX_D', nonDecreasing: ['depth'] }, /^my-space\.yaml: nonDecreasing is fixed to \["width"\] by kind AnyNetX_D/);
  });

  it('rejects bad scale fields', () => {
    rejects({ kind: 'AnyNetX_A', stages: 0 }, /^my-space\.yaml: stages must be a positive integer, got 0/);
    rejects({ kind: 'AnyNetX_A', convBias: 'yes' }, /^my-space\.yaml: convBias must be true or false, got "yes"/);
    rejects({ kind: 'AnyNetX_A', scale: 'cifar' }, /^my-space\.yaml: scale must be one of fashion-mnist, imagenet, got "cifar"/);
    rejects({ kind: 'AnyNetX_A', resolution: 27.5 }, /^my-space\.yaml: resolution must be a positive integer, got 27\.5/);
    rejects({ kind: 'AnyNetX_A', name: '' }, /^my-space\.yaml: name must be a non-empty string/);
  });
});
