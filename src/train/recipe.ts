// The parser of training recipes (core/recipe.ts): a spec's `train.recipe`, a recipe file or `train` options in, a
// complete Recipe out, with messages that name the place in the spec or the option.
import {
  DEFAULT_RECIPE,
  type AdamRecipe,
  type AugmentationRecipe,
  type OptimizerRecipe,
  type Recipe,
  type ScheduleKind,
  type ScheduleRecipe,
  type WarmupRecipe,
} from '../core/recipe.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/**
 * How a place in the recipe is named in messages, from its dotted path inside the recipe ('' for the recipe itself,
 * 'optimizer.momentum', ...): a prefix such as `spec.yaml: train.recipe` (the path is appended), or a function (the
 * command line maps paths to its flags).
 */
export type RecipeNamer = string | ((path: string) => string);

/**
 * pycls's optimizer defaults for its RegNet sweeps (pycls/core/config.py: OPTIM.MOMENTUM 0.9, NESTEROV True,
 * DAMPENING 0, LR_POLICY cos, MIN_LR 0; the paper's weight decay 5e-5), without warm-up or augmentation, which depend
 * on the dataset and the length of training.
 */
const PYCLS_RECIPE: Readonly<Recipe> = Object.freeze<Recipe>({
  ...DEFAULT_RECIPE,
  optimizer: { kind: 'sgd', momentum: 0.9, nesterov: true },
  weightDecay: 5e-5,
  schedule: { kind: 'cosine', minFactor: 0 },
});

/** Recipes by name: `recipe: pycls` in a spec, `--recipe pycls` on the command line. */
export const RECIPE_PRESETS: Readonly<Record<string, Readonly<Recipe>>> = Object.freeze({ chapter: DEFAULT_RECIPE, pycls: PYCLS_RECIPE });

export const RECIPE_KEYS = ['optimizer', 'weightDecay', 'excludeBnAndBias', 'schedule', 'warmup', 'labelSmoothing', 'augmentation'] as const;
const OPTIMIZER_KINDS = ['sgd', 'adam', 'adamw'] as const;
const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'cosine', 'step', 'exponential'];
const AUGMENTATION_KEYS = ['randomCrop', 'horizontalFlip', 'randomResizedCrop'] as const;

type Fields = Record<string, unknown>;

/** Reads one recipe document, throwing NetspaceErrors named through `name`. */
class Reader {
  constructor(private readonly namer: RecipeNamer) {}

  name(path: string): string {
    if (typeof this.namer === 'function') return this.namer(path);
    return path === '' ? this.namer : `${this.namer}.${path}`;
  }

  fail(path: string, problem: string): never {
    throw new NetspaceError(`${this.name(path)} ${problem}`);
  }

  /** `value` as an object whose keys are all in `keys`. */
  record(path: string, value: unknown, keys: readonly string[]): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, messages.spec.notObject(value));
    this.keys(path, value as Fields, keys);
    return value as Fields;
  }

  keys(path: string, value: Fields, keys: readonly string[]): void {
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.fail(path === '' ? key : `${path}.${key}`, messages.spec.unknownKey(key, keys));
    }
  }

  /** A number in [low, high], or (low, high] / [low, high) / (low, high) when an end is open. */
  number(path: string, value: unknown, low: number, high: number, open: { low?: boolean; high?: boolean } = {}): number {
    const ok = typeof value === 'number' && Number.isFinite(value) &&
      (open.low ? value > low : value >= low) && (open.high ? value < high : value <= high);
    if (!ok) this.fail(path, messages.recipe.numberIn(value, low, high, open.low ?? false, open.high ?? false));
    return value as number;
  }

  boolean(path: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(path, messages.spec.boolean(value));
    return value;
  }

  kind<K extends string>(path: string, value: unknown, kinds: readonly K[]): K {
    if (typeof value !== 'string' || !(kinds as readonly string[]).includes(value)) this.fail(path, messages.spec.oneOf(value, kinds));
    return value as K;
  }

  /** A pair [low, high] with bounds as `number` checks them and low <= high. */
  pair(path: string, value: unknown, low: number, high: number, open: { low?: boolean; high?: boolean }): [number, number] {
    if (!Array.isArray(value) || value.length !== 2) this.fail(path, messages.recipe.pair(value));
    const a = this.number(`${path}[0]`, value[0], low, high, open);
    const b = this.number(`${path}[1]`, value[1], low, high, open);
    if (a > b) this.fail(path, messages.recipe.pair(value));
    return [a, b];
  }
}

/**
 * `value` given as a kind name alone ("cosine") or as an object with `kind`: the kind, checked, and the other fields
 * (their keys are checked against `keys`, `kind` aside, by the caller that knows the kind).
 */
function tagged<K extends string>(r: Reader, path: string, value: unknown, kinds: readonly K[]): { kind: K; fields: Fields } {
  if (typeof value === 'string') return { kind: r.kind(path, value, kinds), fields: {} };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) r.fail(path, messages.recipe.notKindOrObject(value, kinds));
  const { kind, ...fields } = value as Fields;
  if (kind === undefined) r.fail(`${path}.kind`, messages.spec.missingOneOf(kinds));
  return { kind: r.kind(`${path}.kind`, kind, kinds), fields };
}

const ADAM_DEFAULTS = Object.freeze({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });

function parseOptimizer(r: Reader, path: string, value: unknown): OptimizerRecipe {
  const { kind, fields } = tagged(r, path, value, OPTIMIZER_KINDS);
  if (kind === 'sgd') {
    r.keys(path, fields, ['kind', 'momentum', 'nesterov']);
    const momentum = r.number(`${path}.momentum`, fields.momentum ?? 0, 0, 1, { high: true });
    const nesterov = r.boolean(`${path}.nesterov`, fields.nesterov ?? false);
    if (nesterov && momentum === 0) r.fail(`${path}.nesterov`, messages.recipe.nesterovWithoutMomentum());
    return { kind, momentum, nesterov };
  }
  r.keys(path, fields, ['kind', 'beta1', 'beta2', 'eps']);
  const adam: AdamRecipe = {
    kind,
    beta1: r.number(`${path}.beta1`, fields.beta1 ?? ADAM_DEFAULTS.beta1, 0, 1, { high: true }),
    beta2: r.number(`${path}.beta2`, fields.beta2 ?? ADAM_DEFAULTS.beta2, 0, 1, { high: true }),
    eps: r.number(`${path}.eps`, fields.eps ?? ADAM_DEFAULTS.eps, 0, 1, { low: true }),
  };
  return adam;
}

/** Epochs a schedule's milestones may name: generous, like the settings' epochs bound. */
const MAX_EPOCHS = 10_000;

const SCHEDULES: Record<ScheduleKind, (r: Reader, path: string, fields: Fields) => ScheduleRecipe> = {
  constant: (r: Reader, path: string, fields: Fields) => {
    r.keys(path, fields, ['kind']);
    return { kind: 'constant' };
  },
  cosine: (r: Reader, path: string, fields: Fields) => {
    r.keys(path, fields, ['kind', 'minFactor']);
    return { kind: 'cosine', minFactor: r.number(`${path}.minFactor`, fields.minFactor ?? 0, 0, 1) };
  },
  step: (r: Reader, path: string, fields: Fields) => {
    r.keys(path, fields, ['kind', 'steps', 'every', 'gamma']);
    const gamma = r.number(`${path}.gamma`, fields.gamma ?? 0.1, 0, 1, { low: true });
    if ((fields.steps === undefined) === (fields.every === undefined)) r.fail(path, messages.recipe.stepsOrEvery());
    if (fields.every !== undefined) return { kind: 'step', every: r.number(`${path}.every`, fields.every, 0, MAX_EPOCHS, { low: true }), gamma };
    const steps = fields.steps;
    if (!Array.isArray(steps) || steps.length === 0) r.fail(`${path}.steps`, messages.recipe.stepList(steps));
    const epochs = steps.map((s: unknown, i: number) => r.number(`${path}.steps[${i}]`, s, 0, MAX_EPOCHS, { low: true }));
    if (epochs.some((e, i) => i > 0 && e <= epochs[i - 1]!)) r.fail(`${path}.steps`, messages.recipe.stepList(steps));
    return { kind: 'step', steps: epochs, gamma };
  },
  exponential: (r: Reader, path: string, fields: Fields) => {
    r.keys(path, fields, ['kind', 'gamma']);
    if (fields.gamma === undefined) r.fail(`${path}.gamma`, messages.spec.missingNumber());
    return { kind: 'exponential', gamma: r.number(`${path}.gamma`, fields.gamma, 0, 1, { low: true }) };
  },
};

function parseSchedule(r: Reader, path: string, value: unknown): ScheduleRecipe {
  const { kind, fields } = tagged(r, path, value, SCHEDULE_KINDS);
  return SCHEDULES[kind](r, path, fields);
}

/** pycls's OPTIM.WARMUP_FACTOR. */
const WARMUP_START_FACTOR = 0.1;

function parseWarmup(r: Reader, path: string, value: unknown): WarmupRecipe | null {
  if (value === null) return null;
  const fields = r.record(path, value, ['epochs', 'startFactor']);
  if (fields.epochs === undefined) r.fail(`${path}.epochs`, messages.spec.missingNumber());
  const epochs = r.number(`${path}.epochs`, fields.epochs, 0, MAX_EPOCHS);
  const startFactor = r.number(`${path}.startFactor`, fields.startFactor ?? WARMUP_START_FACTOR, 0, 1);
  return epochs === 0 ? null : { epochs, startFactor };
}

/** torchvision's RandomResizedCrop defaults. */
const RESIZED_CROP_DEFAULTS = Object.freeze({ scale: [0.08, 1] as [number, number], ratio: [3 / 4, 4 / 3] as [number, number] });
/** Padding a random crop may add, pixels: past this the crop can be all padding on small inputs. */
const MAX_PADDING = 64;

function parseAugmentation(r: Reader, path: string, value: unknown): AugmentationRecipe {
  const fields = r.record(path, value, AUGMENTATION_KEYS);
  let randomCrop: AugmentationRecipe['randomCrop'] = null;
  const crop = fields.randomCrop ?? null;
  if (crop !== null) {
    const padding = typeof crop === 'number' ? crop : r.record(`${path}.randomCrop`, crop, ['padding']).padding;
    const at = typeof crop === 'number' ? `${path}.randomCrop` : `${path}.randomCrop.padding`;
    const p = r.number(at, padding, 0, MAX_PADDING);
    if (!Number.isInteger(p)) r.fail(at, messages.spec.wholeNumberIn(padding, 0, MAX_PADDING));
    randomCrop = { padding: p };
  }
  let randomResizedCrop: AugmentationRecipe['randomResizedCrop'] = null;
  const resized = fields.randomResizedCrop ?? false;
  if (resized !== false && resized !== null) {
    const given = resized === true ? {} : r.record(`${path}.randomResizedCrop`, resized, ['scale', 'ratio']);
    randomResizedCrop = {
      scale: r.pair(`${path}.randomResizedCrop.scale`, given.scale ?? RESIZED_CROP_DEFAULTS.scale, 0, 1, { low: true }),
      ratio: r.pair(`${path}.randomResizedCrop.ratio`, given.ratio ?? RESIZED_CROP_DEFAULTS.ratio, 0, 100, { low: true }),
    };
  }
  if (randomCrop !== null && randomResizedCrop !== null) r.fail(path, messages.recipe.cropAndResizedCrop());
  return { randomCrop, horizontalFlip: r.boolean(`${path}.horizontalFlip`, fields.horizontalFlip ?? false), randomResizedCrop };
}

/**
 * Checks an untrusted recipe and returns it complete. `value` is a preset name (RECIPE_PRESETS: "chapter", "pycls")
 * or an object of any of optimizer, weightDecay, excludeBnAndBias, schedule, warmup, labelSmoothing and augmentation
 * over the chapter's recipe; optimizer and schedule may be given by their kind alone ("adamw", "cosine"), each kind's
 * other fields take PyTorch's defaults. Throws a NetspaceError naming the place through `name`.
 *
 * Example (a spec's `train.recipe`):
 *   optimizer: {kind: sgd, momentum: 0.9, nesterov: true}
 *   weightDecay: 5e-5
 *   schedule: cosine
 *   warmup: {epochs: 1, startFactor: 0.1}
 *   augmentation: {randomCrop: {padding: 2}, horizontalFlip: true}
 */
export function parseRecipe(value: unknown, name: RecipeNamer): Recipe {
  const r = new Reader(name);
  if (typeof value === 'string') {
    const preset = RECIPE_PRESETS[value];
    if (preset === undefined || !Object.hasOwn(RECIPE_PRESETS, value)) r.fail('', messages.recipe.notPreset(value, Object.keys(RECIPE_PRESETS)));
    return structuredClone(preset) as Recipe;
  }
  if (value === null || value === undefined) return structuredClone(DEFAULT_RECIPE) as Recipe;
  const fields = r.record('', value, RECIPE_KEYS);
  const base = DEFAULT_RECIPE;
  return {
    optimizer: fields.optimizer === undefined ? { ...base.optimizer } : parseOptimizer(r, 'optimizer', fields.optimizer),
    weightDecay: r.number('weightDecay', fields.weightDecay ?? base.weightDecay, 0, 1),
    excludeBnAndBias: r.boolean('excludeBnAndBias', fields.excludeBnAndBias ?? base.excludeBnAndBias),
    schedule: fields.schedule === undefined ? { ...base.schedule } : parseSchedule(r, 'schedule', fields.schedule),
    warmup: fields.warmup === undefined ? null : parseWarmup(r, 'warmup', fields.warmup),
    labelSmoothing: r.number('labelSmoothing', fields.labelSmoothing ?? base.labelSmoothing, 0, 1, { high: true }),
    augmentation: fields.augmentation === undefined
      ? (structuredClone(base.augmentation) as AugmentationRecipe)
      : parseAugmentation(r, 'augmentation', fields.augmentation),
  };
}

/**
 * Whether the model variable `name` (AnyNet's PyTorch-style names, e.g. "stage1.block0.bn2.weight") takes the
 * recipe's weight decay: all do, unless the recipe excludes batch-norm parameters (pycls: "bn" in the name) and biases.
 */
export function takesWeightDecay(name: string, recipe: Recipe): boolean {
  return !(recipe.excludeBnAndBias && (/(^|\.)bn\d*\./.test(name) || name.endsWith('.bias')));
}

/** Whether `recipe` trains as the chapter's does: such settings are stored without a recipe, so their identity stays. */
export function isDefaultRecipe(recipe: Recipe): boolean {
  return JSON.stringify(recipe) === JSON.stringify(DEFAULT_RECIPE);
}
