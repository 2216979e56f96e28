// Tests of src/train/recipe.ts: defaults, presets, kinds by name, and messages that name the spec path or the flag.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RECIPE, describeRecipe, recipeOf } from '../../src/core/recipe.ts';
import { NetspaceError } from '../../src/errors.ts';
import { parseSweepSpec, sweepIdentity } from '../../src/sweep/spec.ts';
import { isDefaultRecipe, parseRecipe, RECIPE_PRESETS } from '../../src/train/recipe.ts';
import { parseTrainSettings, TRAIN_DEFAULTS } from '../../src/train/settings.ts';

function rejects(value: unknown, message: string | RegExp, name: Parameters<typeof parseRecipe>[1] = 'r.yaml: train.recipe'): void {
  assert.throws(() => parseRecipe(value, name), (e: unknown) => {
    assert.ok(e instanceof NetspaceError, `expected a NetspaceError, got ${String(e)}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('train/recipe', () => {
  it("defaults to the chapter's recipe: plain SGD, constant lr, nothing else", () => {
    assert.deepEqual(parseRecipe({}, 'x'), DEFAULT_RECIPE);
    assert.deepEqual(parseRecipe(undefined, 'x'), DEFAULT_RECIPE);
    assert.deepEqual(parseRecipe('chapter', 'x'), DEFAULT_RECIPE);
    assert.equal(recipeOf({}), DEFAULT_RECIPE, 'settings without a recipe mean the default');
    assert.ok(isDefaultRecipe(parseRecipe({ optimizer: 'sgd', schedule: 'constant', warmup: null }, 'x')));
    assert.ok(Object.isFrozen(DEFAULT_RECIPE.optimizer), 'the default is frozen all the way down');
  });

  it('reads every part, with PyTorch/torchvision/pycls defaults for the fields left out', () => {
    const recipe = parseRecipe(
      {
        optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
        weightDecay: 5e-5,
        excludeBnAndBias: true,
        schedule: 'cosine',
        warmup: { epochs: 1 },
        labelSmoothing: 0.1,
        augmentation: { randomCrop: 2, horizontalFlip: true },
      },
      'x',
    );
    assert.deepEqual(recipe, {
      optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
      weightDecay: 5e-5,
      excludeBnAndBias: true,
      schedule: { kind: 'cosine', minFactor: 0 },
      warmup: { epochs: 1, startFactor: 0.1 },
      labelSmoothing: 0.1,
      augmentation: { randomCrop: { padding: 2 }, horizontalFlip: true, randomResizedCrop: null },
    });
    assert.deepEqual(parseRecipe({ optimizer: 'adamw' }, 'x').optimizer, { kind: 'adamw', beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    assert.deepEqual(parseRecipe({ schedule: { kind: 'step', every: 3 } }, 'x').schedule, { kind: 'step', every: 3, gamma: 0.1 });
    assert.deepEqual(parseRecipe({ schedule: { kind: 'step', steps: [5, 8], gamma: 0.5 } }, 'x').schedule, { kind: 'step', steps: [5, 8], gamma: 0.5 });
    assert.deepEqual(parseRecipe({ augmentation: { randomResizedCrop: true } }, 'x').augmentation.randomResizedCrop, { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] });
    assert.equal(parseRecipe({ warmup: { epochs: 0 } }, 'x').warmup, null, 'a warm-up of 0 epochs is none');
    assert.deepEqual(parseRecipe('pycls', 'x'), RECIPE_PRESETS.pycls);
    assert.equal(describeRecipe(recipe), 'SGD momentum 0.9 Nesterov, wd 0.00005 (not on BN/bias), cosine lr, warm-up 1 ep from x0.1, label smoothing 0.1, crop pad 2, flip');
  });

  it('names the spec path, the value and what is allowed in every message', () => {
    rejects({ optimiser: 'sgd' }, /^r\.yaml: train\.recipe\.optimiser is not a known key \(did you mean "optimizer"\?\)/);
    rejects({ optimizer: 'adagrad' }, /^r\.yaml: train\.recipe\.optimizer must be one of sgd, adam, adamw, got "adagrad"/);
    rejects({ optimizer: { kind: 'sgd', momentum: 1 } }, 'r.yaml: train.recipe.optimizer.momentum must be a number in [0, 1), got 1');
    rejects({ optimizer: { kind: 'sgd', beta1: 0.9 } }, /^r\.yaml: train\.recipe\.optimizer\.beta1 is not a known key; expected one of: kind, momentum, nesterov/);
    rejects({ optimizer: { momentum: 0.9 } }, /^r\.yaml: train\.recipe\.optimizer\.kind is missing: give one of sgd, adam, adamw/);
    rejects({ optimizer: { kind: 'sgd', nesterov: true } }, /^r\.yaml: train\.recipe\.optimizer\.nesterov needs momentum > 0/);
    rejects({ optimizer: { kind: 'adam', eps: 0 } }, 'r.yaml: train.recipe.optimizer.eps must be a number in (0, 1], got 0');
    rejects({ weightDecay: -1 }, 'r.yaml: train.recipe.weightDecay must be a number in [0, 1], got -1');
    rejects({ schedule: { kind: 'step', gamma: 0.1 } }, /^r\.yaml: train\.recipe\.schedule takes exactly one of "steps"/);
    rejects({ schedule: { kind: 'step', steps: [5, 3] } }, 'r.yaml: train.recipe.schedule.steps must be a non-empty list of increasing epochs, got [5,3]');
    rejects({ schedule: { kind: 'exponential' } }, 'r.yaml: train.recipe.schedule.gamma is missing: give a number');
    rejects({ schedule: { kind: 'cosine', gamma: 0.1 } }, /^r\.yaml: train\.recipe\.schedule\.gamma is not a known key; expected one of: kind, minFactor/);
    rejects({ schedule: 3 }, /^r\.yaml: train\.recipe\.schedule must be one of constant, cosine, step, exponential or an object/);
    rejects({ warmup: { startFactor: 0.1 } }, 'r.yaml: train.recipe.warmup.epochs is missing: give a number');
    rejects({ labelSmoothing: 1 }, 'r.yaml: train.recipe.labelSmoothing must be a number in [0, 1), got 1');
    rejects({ augmentation: { randomCrop: 1.5 } }, 'r.yaml: train.recipe.augmentation.randomCrop must be a whole number from 0 to 64, got 1.5');
    rejects({ augmentation: { randomResizedCrop: { scale: [0.9, 0.2] } } }, 'r.yaml: train.recipe.augmentation.randomResizedCrop.scale must be a pair [low, high] with low <= high, got [0.9,0.2]');
    rejects({ augmentation: { randomCrop: 4, randomResizedCrop: true } }, 'r.yaml: train.recipe.augmentation takes randomCrop or randomResizedCrop, not both');
    rejects('pycl', /^r\.yaml: train\.recipe must be a recipe \(an object\) or a preset \(chapter, pycls\), got "pycl" \(did you mean "pycls"\?\)/);
    rejects({ weightDecay: 2 }, '--weight-decay must be a number in [0, 1], got 2', (path) => ({ weightDecay: '--weight-decay' })[path] ?? `--recipe ${path}`);
  });

  it('goes through the one settings parser: spec path in messages, the default stored as no recipe', () => {
    const origin = { kind: 'spec', source: 's.yaml' } as const;
    assert.equal(parseTrainSettings({ recipe: 'chapter' }, TRAIN_DEFAULTS, origin).recipe, undefined);
    assert.deepEqual(parseTrainSettings({ recipe: { weightDecay: 1e-4 } }, TRAIN_DEFAULTS, origin).recipe, { ...DEFAULT_RECIPE, weightDecay: 1e-4 });
    assert.throws(() => parseTrainSettings({ recipe: { labelSmoothing: 'a lot' } }, TRAIN_DEFAULTS, origin), {
      message: 's.yaml: train.recipe.labelSmoothing must be a number in [0, 1), got "a lot"',
    });
    assert.throws(() => parseTrainSettings({ recipe: { labelSmoothing: 2 } }, TRAIN_DEFAULTS, { kind: 'options' }), {
      message: '--recipe.labelSmoothing must be a number in [0, 1), got 2',
    });
  });

  it('refuses a flip on the digit datasets, in options and in a spec, before anything is stored; crops stay allowed', () => {
    const flip = { augmentation: { horizontalFlip: true } };
    for (const [dataset, title] of [['mnist', 'MNIST'], ['kmnist', 'Kuzushiji-MNIST']]) {
      assert.throws(() => parseTrainSettings({ dataset, recipe: flip }, TRAIN_DEFAULTS, { kind: 'options' }), {
        name: 'NetspaceError',
        message: `--flip (or horizontalFlip in a --recipe file) is refused for ${title}: a mirror image there can change its class`,
      });
      assert.equal(parseTrainSettings({ dataset, recipe: { augmentation: { randomCrop: 2 } } }, TRAIN_DEFAULTS, { kind: 'options' }).dataset, dataset);
    }
    const base = { name: 'digits', dataset: 'mnist', spaces: [{ space: 'AnyNetX_A', n: 3 }] };
    assert.throws(() => parseSweepSpec({ ...base, train: { recipe: flip } }, 'digits.yaml'), {
      message: /^digits\.yaml: train\.recipe flips images horizontally, which is refused for MNIST/,
    });
    assert.equal(parseSweepSpec({ ...base, train: { recipe: 'pycls' } }, 'digits.yaml').train.recipe?.augmentation.horizontalFlip, false, 'the pycls preset does not flip');
    assert.equal(parseTrainSettings({ recipe: flip }, TRAIN_DEFAULTS, { kind: 'options' }).recipe?.augmentation.horizontalFlip, true, 'Fashion-MNIST flips');
    assert.equal(parseTrainSettings({ dataset: 'cifar10', recipe: flip }, TRAIN_DEFAULTS, { kind: 'options' }).recipe?.augmentation.horizontalFlip, true);
  });

  it('is part of a sweep spec: a spec with the default recipe keeps the identity it had without one', () => {
    const base = { name: 'demo', spaces: [{ space: 'AnyNetX_A', n: 3 }], train: { epochs: 2 } };
    const plain = parseSweepSpec(base, 'demo.yaml');
    const chapter = parseSweepSpec({ ...base, train: { epochs: 2, recipe: {} } }, 'demo.yaml');
    const pycls = parseSweepSpec({ ...base, train: { epochs: 2, recipe: 'pycls' } }, 'demo.yaml');
    assert.equal(JSON.stringify(sweepIdentity(chapter)), JSON.stringify(sweepIdentity(plain)));
    assert.notEqual(JSON.stringify(sweepIdentity(pycls)), JSON.stringify(sweepIdentity(plain)));
    assert.deepEqual(pycls.train.recipe, RECIPE_PRESETS.pycls);
    assert.throws(() => parseSweepSpec({ ...base, train: { recipe: { schedule: 'cosin' } } }, 'demo.yaml'), {
      message: /^demo\.yaml: train\.recipe\.schedule must be one of constant, cosine, step, exponential, got "cosin" \(did you mean "cosine"\?\)$/,
    });
  });
});
