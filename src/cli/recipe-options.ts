// The training-recipe options of `train` and `baseline`: --recipe (a preset or a file) and a flag per common knob,
// turned into one Recipe by train/recipe.ts's parser, with messages that name the flag.
import type { Argv } from 'yargs';
import type { Recipe } from '../core/recipe.ts';
import { NetspaceError } from '../errors.ts';
import { messages } from '../messages.ts';

/** The recipe flags as yargs gives them: undefined when not given. */
export interface RecipeArgs {
  recipe?: string;
  optimizer?: string;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  excludeBnBias?: boolean;
  schedule?: string;
  lrGamma?: number;
  lrSteps?: string;
  lrEvery?: number;
  warmupEpochs?: number;
  warmupFactor?: number;
  labelSmoothing?: number;
  randomCrop?: number;
  flip?: boolean;
  randomResizedCrop?: string;
}

const GROUP = 'Recipe (default: the chapter\'s plain SGD at a constant lr):';

/** Adds the recipe options to a command. */
export function recipeOptions<T>(y: Argv<T>): Argv<T & RecipeArgs> {
  return y
    .option('recipe', { type: 'string', group: GROUP, describe: 'a preset (chapter, pycls) or a recipe file (.yaml/.json, the keys of a spec\'s train.recipe); the flags below change it' })
    .option('optimizer', { type: 'string', group: GROUP, describe: 'sgd, adam or adamw (PyTorch defaults: betas 0.9, 0.999, eps 1e-8)' })
    .option('momentum', { type: 'number', group: GROUP, describe: 'SGD momentum in [0, 1)' })
    .option('nesterov', { type: 'boolean', group: GROUP, describe: 'Nesterov momentum (needs --momentum > 0)' })
    .option('weight-decay', { type: 'number', group: GROUP, describe: 'L2 weight decay (SGD, Adam) or decoupled decay (AdamW)' })
    .option('exclude-bn-bias', { type: 'boolean', group: GROUP, describe: 'no weight decay on batch-norm parameters and biases' })
    .option('schedule', { type: 'string', group: GROUP, describe: 'constant, cosine (half period over the run), step or exponential' })
    .option('lr-gamma', { type: 'number', group: GROUP, describe: 'factor per step (default 0.1) or per epoch (exponential)' })
    .option('lr-steps', { type: 'string', group: GROUP, describe: 'step schedule: epochs at which the lr drops, e.g. 5,8' })
    .option('lr-every', { type: 'number', group: GROUP, describe: 'step schedule: epochs between drops' })
    .option('warmup-epochs', { type: 'number', group: GROUP, describe: 'linear warm-up length, epochs (may be fractional)' })
    .option('warmup-factor', { type: 'number', group: GROUP, describe: 'lr factor at the first step of the warm-up (default 0.1)' })
    .option('label-smoothing', { type: 'number', group: GROUP, describe: 'label smoothing epsilon in [0, 1)' })
    .option('random-crop', { type: 'number', group: GROUP, describe: 'random crops of the image zero-padded by this many pixels' })
    .option('flip', { type: 'boolean', group: GROUP, describe: 'random horizontal flips' })
    .option('random-resized-crop', { type: 'string', group: GROUP, describe: 'random resized crops; optional area range low:high (default 0.08:1)' }) as Argv<T & RecipeArgs>;
}

/** Recipe paths (as train/recipe.ts names them) and the flags that set them, for messages. */
const FLAG_OF: Readonly<Record<string, string>> = Object.freeze({
  optimizer: '--optimizer',
  'optimizer.kind': '--optimizer',
  'optimizer.momentum': '--momentum',
  'optimizer.nesterov': '--nesterov',
  weightDecay: '--weight-decay',
  excludeBnAndBias: '--exclude-bn-bias',
  schedule: '--schedule',
  'schedule.kind': '--schedule',
  'schedule.gamma': '--lr-gamma',
  'schedule.steps': '--lr-steps',
  'schedule.every': '--lr-every',
  warmup: '--warmup-epochs',
  'warmup.epochs': '--warmup-epochs',
  'warmup.startFactor': '--warmup-factor',
  labelSmoothing: '--label-smoothing',
  augmentation: '--random-crop/--random-resized-crop',
  'augmentation.randomCrop.padding': '--random-crop',
  'augmentation.horizontalFlip': '--flip',
  'augmentation.randomResizedCrop.scale': '--random-resized-crop',
});

/** A flag for a recipe path, e.g. 'schedule.steps[1]' -> '--lr-steps'; the parts only a file sets are named under --recipe. */
function flagName(path: string): string {
  const bare = path.replace(/\[\d+\]/g, '');
  return FLAG_OF[bare] ?? (bare === '' ? '--recipe' : `--recipe ${bare}`);
}

/** "a:b" as [a, b] (numbers, or the text itself when they are not, for the parser to refuse by name). */
function pair(text: string): unknown {
  const parts = text.split(':');
  return parts.length === 2 && parts.every((p) => p.trim() !== '' && Number.isFinite(Number(p))) ? parts.map(Number) : text;
}

type Mutable = Record<string, unknown>;

/** Flags that belong to some optimizer or schedule kinds only: the part of the recipe and those kinds. */
const KIND_FLAGS: readonly { key: keyof RecipeArgs; flag: string; part: 'optimizer' | 'schedule'; kinds: readonly string[] }[] = [
  { key: 'momentum', flag: '--momentum', part: 'optimizer', kinds: ['sgd'] },
  { key: 'nesterov', flag: '--nesterov', part: 'optimizer', kinds: ['sgd'] },
  { key: 'lrGamma', flag: '--lr-gamma', part: 'schedule', kinds: ['step', 'exponential'] },
  { key: 'lrSteps', flag: '--lr-steps', part: 'schedule', kinds: ['step'] },
  { key: 'lrEvery', flag: '--lr-every', part: 'schedule', kinds: ['step'] },
];

/** The recipe as the flags change it, still unchecked. */
function overlay(base: Recipe, args: RecipeArgs): Mutable {
  const r = structuredClone(base) as unknown as Mutable;
  const sub = (key: string): Mutable => r[key] as Mutable;
  if (args.optimizer !== undefined) r.optimizer = { kind: args.optimizer };
  if (args.momentum !== undefined) sub('optimizer').momentum = args.momentum;
  if (args.nesterov !== undefined) sub('optimizer').nesterov = args.nesterov;
  if (args.weightDecay !== undefined) r.weightDecay = args.weightDecay;
  if (args.excludeBnBias !== undefined) r.excludeBnAndBias = args.excludeBnBias;
  if (args.schedule !== undefined) r.schedule = { kind: args.schedule };
  if (args.lrGamma !== undefined) sub('schedule').gamma = args.lrGamma;
  if (args.lrSteps !== undefined) {
    const steps = args.lrSteps.split(',').map((s) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s));
    Object.assign(sub('schedule'), { steps, every: undefined });
  }
  if (args.lrEvery !== undefined) Object.assign(sub('schedule'), { every: args.lrEvery, steps: undefined });
  if (args.warmupEpochs !== undefined) r.warmup = { ...((r.warmup as Mutable | null) ?? {}), epochs: args.warmupEpochs };
  if (args.warmupFactor !== undefined) r.warmup = { ...((r.warmup as Mutable | null) ?? {}), startFactor: args.warmupFactor };
  if (args.labelSmoothing !== undefined) r.labelSmoothing = args.labelSmoothing;
  const augmentation = sub('augmentation');
  if (args.randomCrop !== undefined) augmentation.randomCrop = { padding: args.randomCrop };
  if (args.flip !== undefined) augmentation.horizontalFlip = args.flip;
  if (args.randomResizedCrop !== undefined) {
    augmentation.randomResizedCrop = args.randomResizedCrop.trim() === '' ? true : { scale: pair(args.randomResizedCrop) };
  }
  // Keys set to undefined above are dropped (a step schedule takes steps or every, not both).
  return JSON.parse(JSON.stringify(r)) as Mutable;
}

/** The keys of RecipeArgs as yargs spells them in camelCase (it also keeps the kebab-case copies). */
const FLAG_KEYS: ReadonlySet<string> = new Set([
  'recipe', 'optimizer', 'momentum', 'nesterov', 'weightDecay', 'excludeBnBias', 'schedule', 'lrGamma', 'lrSteps', 'lrEvery',
  'warmupEpochs', 'warmupFactor', 'labelSmoothing', 'randomCrop', 'flip', 'randomResizedCrop',
] satisfies (keyof RecipeArgs)[]);

/**
 * The recipe the options ask for: --recipe's preset or file (checked on its own, messages naming the file), then each
 * flag given over it (messages naming the flag). Undefined when no recipe option is given: the chapter's recipe.
 */
export async function recipeFromArgs(args: RecipeArgs): Promise<Recipe | undefined> {
  const given = Object.entries(args).filter(([key, value]) => value !== undefined && FLAG_KEYS.has(key));
  if (given.length === 0) return undefined;
  const [{ parseRecipe, RECIPE_PRESETS }, { DEFAULT_RECIPE }, { readDataFile }] = await Promise.all([
    import('../train/recipe.ts'),
    import('../core/recipe.ts'),
    import('../space/load.ts'),
  ]);
  let base: Recipe = DEFAULT_RECIPE;
  if (args.recipe !== undefined) {
    const file = args.recipe;
    base = Object.hasOwn(RECIPE_PRESETS, file) || !/\.(ya?ml|json)$/i.test(file)
      ? parseRecipe(file, '--recipe')
      : parseRecipe(readDataFile(file), (path) => (path === '' ? `--recipe ${file}:` : `${file}: ${path}`));
  }
  const changed = overlay(base, args);
  for (const { key, flag, part, kinds } of KIND_FLAGS) {
    const kind = (changed[part] as { kind?: unknown } | undefined)?.kind;
    if (args[key] !== undefined && typeof kind === 'string' && !kinds.includes(kind)) {
      throw new NetspaceError(messages.recipe.flagForKind(flag, part, kinds, kind));
    }
  }
  return parseRecipe(changed, flagName);
}
