// The one catalogue of user-facing error messages: every NetspaceError netspace throws is worded here, nowhere else.
import { count, share } from './core/format.ts';
import { NetspaceError } from './errors.ts';

/** A value as the user wrote it: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  // JSON would print a nested Infinity or NaN as null: keep what the user wrote.
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000${v}` : v));
  return text === undefined ? String(value) : text.replace(/"\\u0000(-?Infinity|NaN)"/g, '$1');
}

/** Edit distance, for "did you mean" hints on misspelled keys and names. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      const cost = a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** ` (did you mean "x"?)` when one candidate is close to `word`, else an empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? ` (did you mean ${show(best)}?)` : '';
}

/** Throws `<source>: <path> <problem>`, so that every error in a spec or config document reads the same way. */
export function specError(source: string, path: string, problem: string): never {
  throw new NetspaceError(`${source}: ${path} ${problem}`);
}

const hex32 = (value: number): string => `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
/** "1 run", "2 runs": a count with its noun. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const oneOfHint = (value: unknown, options: readonly string[]): string => (typeof value === 'string' ? didYouMean(value, options) : '');


// `spec` and `option` come first: other sections build on their wording.
const spec = {
  unknownKey: (key: string, allowed: readonly string[]) =>
    `is not a known key${didYouMean(key, allowed)}; expected one of: ${allowed.join(', ')}`,
  missingNumber: () => 'is missing: give a number',
  missingOneOf: (options: readonly string[]) => `is missing: give one of ${options.join(', ')}`,
  notObject: (value: unknown) => `must be an object, got ${show(value)}`,
  oneOf: (value: unknown, options: readonly string[]) => `must be one of ${options.join(', ')}, got ${show(value)}${oneOfHint(value, options)}`,
  positiveInteger: (value: unknown) => `must be a positive integer, got ${show(value)}`,
  positiveCount: (value: unknown) => `must be a whole number from 1 to 2^53 - 1, got ${show(value)}`,
  nonNegativeInteger: (value: unknown) => `must be a non-negative integer, got ${show(value)}`,
  wholeNumberIn: (value: unknown, min: number, max: number) => `must be a whole number from ${min} to ${max}, got ${show(value)}`,
  positiveNumber: (value: unknown) => `must be a positive number, got ${show(value)}`,
  finiteNumber: (value: unknown) => `must be a finite number, got ${show(value)}`,
  boolean: (value: unknown) => `must be true or false, got ${show(value)}`,
  nonEmptyString: (value: unknown) => `must be a non-empty string, got ${show(value)}`,
  text: (value: unknown) => `must be text, got ${show(value)}`,
  name: (value: unknown) => `must be letters, digits and _ . @ - (starting with a letter or digit), got ${show(value)}`,

  // Space specs and their distributions.
  notDistribution: (value: unknown) =>
    `must be a number or a distribution object such as {"dist": "log-uniform", "low": 8, "high": 256, "quantum": 8}, got ${show(value)}`,
  notNumberList: (value: unknown) => `must be a list of numbers, got ${show(value)}`,
  quantumAboveLow: (quantum: number, low: number) => `is ${quantum}, above low ${low}: powers of 2 below the quantum would round to 0`,
  tooManyStages: (stages: number, max: number) => `must be at most ${max}, got ${stages}`,
  tooManyBlocks: (blocks: number, max: number) =>
    `make networks of up to ${count(blocks)} blocks; netspace takes at most ${count(max)} (the paper's deepest have under 100): check the depths`,
  regnetList: () => 'takes one distribution (a RegNet draws each parameter once), got a list',
  lowAboveHigh: (low: number, high: number) => `has low ${low} above high ${high}; a range needs low <= high`,
  nonPositiveLogRange: (dist: string, low: number) => `has low ${low}, but a ${dist} range needs low > 0 (it is drawn on a log scale)`,
  nonPositiveQuantum: (quantum: unknown) => `must be a number > 0, got ${show(quantum)}`,
  quantumDoesNotDivide: (bound: 'low' | 'high', value: number, quantum: number) =>
    `does not divide ${bound} = ${value}: both bounds must be multiples of the quantum ${quantum}`,
  notPowerOfTwo: (value: number) => `must be a power of 2 for this distribution, got ${value}`,
  emptyChoice: () => 'must list at least one value',
  stageListLength: (length: number, stages: number) => `lists ${length} per-stage distributions, but the space has ${stages} stages`,
  sharedButPerStage: (param: string) =>
    `is one shared value (it is in "shared"), so it takes one distribution, not a per-stage list of them; drop ${show(param)} from "shared" or give one distribution`,
  fixedByKind: (kind: string, given: unknown, fixed: readonly string[]) =>
    `is fixed to ${show(fixed)} by kind ${kind}, got ${show(given)}; use kind "AnyNet" to choose it freely`,
  belowMinimum: (param: string, value: number, min: number, exclusive: boolean) =>
    `can produce ${value}, but ${param} must be ${exclusive ? '>' : '>='} ${min}`,
  notInteger: (param: string, value: number) => `is ${value}, but ${param} takes whole numbers only`,
  notMultipleOf: (param: string, value: number, multiple: number) => `is ${value}, but every ${param} must be a multiple of ${multiple}`,
  paramList: (value: unknown) => `must be a list of parameter names, got ${show(value)}`,
  unknownParam: (value: unknown, params: readonly string[]) =>
    `names ${show(value)}, which is not one of ${params.join(', ')}${oneOfHint(value, params)}`,

  // AnyNet configs.
  stageList: (value: unknown) => `must be a non-empty list of stages, got ${show(value)}`,
  noBottleneck: (multiplier: number, width: number, inner: number) =>
    `${multiplier} leaves round(${width} x ${multiplier}) = ${inner} bottleneck channels`,
  groupWidthDoesNotDivide: (groupWidth: number, inner: number, width: number, multiplier: number) =>
    `is ${groupWidth}, which does not divide the bottleneck width ${inner} (= round(${width} x ${multiplier}))`,

  // Sweep specs.
  notSweep: (value: unknown) => `must be an object (name, spaces, train, ...), got ${show(value)}`,
  notSweepKind: (value: unknown) => `must be "sweep" when given, got ${show(value)}`,
  entryList: (value: unknown) =>
    `must be a non-empty list of {space: <name>, n: <count>} or {model: <preset>, n: <count>}, got ${show(value)}`,
  notEntry: (value: unknown) => `must be an object like {space: AnyNetX_A, n: 32} or {model: regnet32, n: 5}, got ${show(value)}`,
  spaceOrModel: () => 'must have exactly one of "space" (sample configs from it) or "model" (train one fixed config)',
  sameEntryName: (name: string, first: number) => `is named ${show(name)} like spaces[${first}]; give one of them another "name"`,
  spaceFileMissing: (file: string) => `names the space file ${file}, which does not exist`,
  notSpaceName: (value: string, names: readonly string[]) =>
    `must be a built-in space (${names.join(', ')}), a .yaml/.json space file or an inline space, got ${show(value)}${didYouMean(value, names)}`,
  notSpace: (value: unknown) => `must be a space name, a space file or an inline space spec, got ${show(value)}`,
  notPresetName: (value: string, names: readonly string[]) =>
    `must be a preset (${names.join(', ')}) or an inline AnyNet config, got ${show(value)}${didYouMean(value, names)}`,
  notComplexity: (value: unknown) => `must be an object {flops, params, acts} of [low, high] ranges, got ${show(value)}`,
  notTrain: (value: unknown) => `must be an object of training settings, got ${show(value)}`,
  learningRate: (value: unknown) => `must be a number in (0, 10], got ${show(value)}`,
  configDoesNotFitData: (where: string, channels: number, classes: number, dataset: string, wantChannels: number, wantClasses: number) =>
    `${where}: the config takes ${channels} input channel(s) and ${classes} classes, but ${dataset} has ` +
    `${wantChannels} channel(s) and ${wantClasses} classes; set inputChannels and numClasses to match`,

  // The fidelity section of a sweep spec (sweep/fidelity-spec.ts).
  notFidelity: (value: unknown) =>
    `must be an object such as {kind: asha, minEpochs: 1, maxEpochs: 9, reductionFactor: 3} or {kind: check, low: 2, full: 8, fraction: 0.25}, got ${show(value)}`,
  epochsAbove: (other: string, low: number, value: unknown) => `must be above ${other} (${low}), got ${show(value)}`,
  fraction: (value: unknown) => `must be a number above 0 and at most 1 (a share of each space's runs), got ${show(value)}`,
  checkSubset: () =>
    'must give exactly one of "fraction" (a share of each space\'s runs) or "perSpace" (a number of runs per space) to continue to full fidelity',
  tooManyBrackets: (value: number, rungs: readonly number[]) =>
    `is ${value}, but these epochs give only ${plural(rungs.length, 'rung')} (at ${rungs.join(', ')} epochs) for a bracket to start at`,
  fidelityEpochs: (given: unknown, top: number) =>
    `is ${show(given)}, but the fidelity schedule trains runs up to ${top} epochs; leave train.epochs out or make it ${top}`,
} as const;

const option = {
  positiveInteger: (option: string, value: unknown) => `${option} ${spec.positiveInteger(value)}`,
  nonNegativeInteger: (option: string, value: unknown) => `${option} ${spec.nonNegativeInteger(value)}`,
  positiveNumber: (option: string, value: unknown) => `${option} ${spec.positiveNumber(value)}`,
  wholeNumber: (option: string, min: number, value: unknown) => `${option} must be a whole number >= ${min}, got ${show(value)}`,
  wholeNumberOrAuto: (option: string, min: number, value: unknown) => `${option} must be a whole number >= ${min} or auto, got ${show(value)}`,
  notANumber: (option: string, raw: string | undefined) =>
    `${option} must be a number, got ${raw === undefined ? 'something else' : show(raw)}`,
  integerIn: (option: string, value: unknown, min: number, max: number) =>
    `${option} must be an integer in [${min}, ${count(max)}], got ${show(value)}`,
  cannotWrite: (option: string, path: string, reason: string) => `${option} ${show(path)} cannot be written: ${reason}`,
  runId: (value: unknown) => `run-id must be a positive integer (a run's id from netspace sweep status), got ${show(value)}`,
  exportFormat: () => 'sweep export: give --csv or --json, not both (with neither, CSV unless --out ends in .json)',
  failureKind: (kind: string, kinds: readonly string[]) =>
    `--retry ${show(kind)} is not a kind of failure${didYouMean(kind, kinds)}; give failed (every failed run) or some of: ${kinds.join(', ')}`,
  inputShape: (text: string) => `--input ${text}: expected four positive integers N,C,H,W such as 1,1,96,96`,
  inputTooLarge: (text: string, values: number, max: number) =>
    `--input ${text}: ${count(values)} input values, more than the ${count(max)} a summary runs on (it passes zeros through the model); use N = 1 and a smaller H, W`,
  inputChannels: (text: string, channels: number, given: number) =>
    `--input ${text}: the model takes ${channels} input channel(s), not ${given}`,
} as const;

/** Training settings, in a spec's `train` section or as options (src/train/settings.ts names the setting). */
const settings = {
  wholeNumberIn: (value: unknown, min: number, max: number) => `must be a whole number from ${count(min)} to ${count(max)}, got ${show(value)}`,
  learningRate: (value: unknown) => `must be a number in (0, 10], got ${show(value)}`,
  microBatchAboveBatch: (micro: number, batch: number) =>
    `is ${count(micro)}, more images than a batch holds (${count(batch)}): it must be at most the batch size`,
  dataset: (value: unknown, names: readonly string[]) =>
    `must be one of ${names.join(', ')}, got ${show(value)}${typeof value === 'string' ? didYouMean(value, names) : ''}`,
  moreThanSplit: (size: number, dataset: string, split: string, limit: number) =>
    `is ${count(size)}, but ${dataset} has ${count(limit)} ${split} images`,
  flipForDataset: (dataset: string) =>
    `flips images horizontally, which is refused for ${dataset}: a mirror image there can change its class; leave horizontalFlip out of the recipe`,
  flipOption: (dataset: string) =>
    `--flip (or horizontalFlip in a --recipe file) is refused for ${dataset}: a mirror image there can change its class`,
} as const;

/** Training recipes (optimizer, schedule, augmentation), in a spec's `train.recipe`, a recipe file or options (src/train/recipe.ts). */
const recipe = {
  numberIn: (value: unknown, low: number, high: number, lowOpen: boolean, highOpen: boolean) =>
    `must be a number in ${lowOpen ? '(' : '['}${low}, ${high}${highOpen ? ')' : ']'}, got ${show(value)}`,
  pair: (value: unknown) => `must be a pair [low, high] with low <= high, got ${show(value)}`,
  notKindOrObject: (value: unknown, kinds: readonly string[]) =>
    `must be one of ${kinds.join(', ')} or an object with a "kind" and its fields, got ${show(value)}`,
  notPreset: (value: unknown, presets: readonly string[]) =>
    `must be a recipe (an object) or a preset (${presets.join(', ')}), got ${show(value)}${oneOfHint(value, presets)}`,
  nesterovWithoutMomentum: () => 'needs momentum > 0 (Nesterov momentum without momentum is plain SGD; PyTorch refuses it too)',
  stepsOrEvery: () => 'takes exactly one of "steps" (a list of epochs) or "every" (epochs between steps)',
  stepList: (value: unknown) => `must be a non-empty list of increasing epochs, got ${show(value)}`,
  cropAndResizedCrop: () => 'takes randomCrop or randomResizedCrop, not both',
  /** A command-line flag of one optimizer or schedule kind given with another. */
  flagForKind: (flag: string, part: string, kinds: readonly string[], actual: string) =>
    `${flag} goes with --${part} ${kinds.join(' or ')}; the recipe's ${part} is ${actual}`,
  flipChangesClass: (dataset: string) =>
    `horizontalFlip is refused for ${dataset}: a mirror image there can change its class; leave it out of the recipe`,
} as const;

const cannotRead = (path: string, reason: string): string => `${path}: cannot be read (${reason})`;
const badRange = (option: string, value: unknown, problem: string): string => `${option} ${show(value)} ${problem}`;
const badRegnetArgument = (text: string, problem: string): string => `--regnet ${show(text)}: ${problem}`;
const badRegnetParams = (problem: string): string => `RegNet parameters: ${problem}`;
const notDatabase = (path: string, reason: string): string => `${path} is not a netspace database: ${reason}`;

/** Freezes the catalogue and each of its sections: no code can reword a message at run time. */
function freezeSections<T extends Record<string, object>>(sections: T): Readonly<T> {
  for (const section of Object.values(sections)) Object.freeze(section);
  return Object.freeze(sections);
}

/** Where one dataset's data can come from, named in the messages that say it was not found (see data/datasets.ts). */
export interface DataSources {
  /** The dataset's name as its authors write it. */
  title: string;
  /** The command that downloads it: `netspace data download`, with --dataset for all but the default dataset. */
  downloadCommand: string;
  /** Download address of the canonical copy. */
  baseUrl: string;
  /** A system package installing the files and the folder it installs to, or null. */
  system: { package: string; dir: string } | null;
  /** Folder, relative to the working directory, that is searched and downloaded to. */
  localDir: string;
  /** Environment variable naming the dataset's folder. */
  envVar: string;
  /** Files a folder must hold. */
  fileCount: number;
  /** Where in a folder each file may be ("each as NAME.gz or raw NAME"). */
  whereHint: string;
  /** The files to copy by hand ("the four *-ubyte.gz files"). */
  copyHint: string;
}

const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** "four", or the digits past ten. */
const inWords = (n: number): string => NUMBER_WORDS[n] ?? String(n);

/** The catalogue, one section per area; every entry returns the message text that a NetspaceError carries. */
export const messages = freezeSections({
  /** The problems that follow a path (`<source>: <path> <problem>`) in space specs, AnyNet configs and sweep specs. */
  spec,

  /** Space references, RegNet arguments, complexity ranges, sampling and model presets (src/space). */
  space: {
    unknownSpace: (ref: string, builtins: readonly string[]) =>
      `${show(ref)} is neither a built-in design space (${builtins.join(', ')}) nor a readable spec file${didYouMean(ref, builtins)}`,
    unreadable: cannotRead,
    unparsable: (path: string, format: string, reason: string) => `${path}: is not valid ${format}: ${reason}`,
    pickSampled: (path: string, count: number, k?: number) =>
      k === undefined
        ? `${path}: holds ${count} sampled configs; pick one as ${path}#k with k from 1 to ${count}`
        : `${path}#${k}: no such config, the file holds ${count} (k from 1 to ${count})`,
    adjusted: (stage: number, field: 'width' | 'groupWidth', before: number, after: number, width: number, multiplier: number, groupWidth: number) =>
      field === 'width'
        ? `stage ${stage}: width ${before} trains as ${after}: its bottleneck width round(${width} x ${multiplier}) must be a multiple of the group width ${groupWidth}, so it is rounded to the nearest that is (the compatibility rule of pycls's adjust_block_compatibility)`
        : `stage ${stage}: group width ${before} trains as ${after}: a group cannot be wider than the bottleneck width round(${width} x ${multiplier}) (the compatibility rule of pycls's adjust_block_compatibility)`,
    notPreset: (nameOrPath: string, presets: readonly string[]) =>
      `model ${show(nameOrPath)}: not a preset (${presets.join(', ')}) and no such file`,
    regnetPart: (text: string, part: string) =>
      badRegnetArgument(text, `${show(part)} is not one of d=, w0=, wa=, wm=, g=, b= followed by a number`),
    regnetNotNumber: (text: string, key: string, value: string) => badRegnetArgument(text, `${key} must be a number, got ${show(value)}`),
    regnetTwice: (text: string, key: string) => badRegnetArgument(text, `${key} is given twice`),
    regnetMissing: (text: string, key: string) => badRegnetArgument(text, `${key}= is missing`),
    regnetRatio: (text: string, b: number) => badRegnetArgument(text, `b must be > 0, got ${b}`),
    regnetDepth: (depth: number) => badRegnetParams(`depth d must be a positive integer, got ${depth}`),
    regnetTooDeep: (depth: number, max: number) => badRegnetParams(`depth d must be at most ${count(max)} blocks, got ${count(depth)}`),
    regnetW0: (w0: number, quantum: number) => badRegnetParams(`w0 must be a positive multiple of ${quantum}, got ${w0}`),
    regnetWa: (wa: number) => badRegnetParams(`wa must be a number >= 0, got ${wa}`),
    regnetWm: (wm: number) => badRegnetParams(`wm must be a number > 1, got ${wm}`),
    regnetGroupWidth: (groupWidth: number) => badRegnetParams(`group width g must be a positive integer, got ${groupWidth}`),
    regnetMultiplier: (multiplier: number) => badRegnetParams(`bottleneck multiplier must be a number > 0, got ${multiplier}`),
    complexityInput: () =>
      'name a config (a preset such as regnet32, or a JSON config file) or give --regnet d=..,w0=..,wa=..,wm=..,g=.., not both',
    regnetOnly: (option: string, config: string) =>
      `${option} goes with --regnet only: the config ${config} states its own input channels, classes, stem width and conv bias`,
    incompatible: (width: number, multiplier: number, groupWidth: number) =>
      `no width near ${width} makes round(width x ${multiplier}) a multiple of group width ${groupWidth}; use a bottleneck multiplier whose inverse is a whole number, or a whole multiplier`,
    rangeSyntax: (option: string, value: unknown) =>
      badRange(option, value, 'is not a range: write low:high with numbers such as 4e8, 400M or 2.5k (k, M, G, T); either end may be empty'),
    rangeEnds: (option: string, value: unknown) =>
      badRange(option, value, 'must hold two numbers (4e8, or strings such as "400M" and "2.5k") or null'),
    rangeForm: (option: string, value: unknown) => badRange(option, value, 'must be "low:high" or a pair [low, high] (null for an open end)'),
    rangePair: (option: string, value: unknown) => badRange(option, value, 'must be a pair [low, high]'),
    rangeNegative: (option: string, value: unknown) => badRange(option, value, 'must have ends >= 0'),
    tooLarge: (field: string, value: number) =>
      `the config's ${field} (about ${value.toExponential(3)}) pass 2^53 (${count(Number.MAX_SAFE_INTEGER)}), the largest count ` +
      'netspace keeps exact: no such network can be trained or counted here; check its widths and depths',
    rangeTooLarge: (option: string, value: unknown) =>
      badRange(option, value, `must have ends below 2^53 (${count(Number.MAX_SAFE_INTEGER)}), the largest count netspace keeps exact`),
    rangeLowAboveHigh: (option: string, value: unknown, low: number, high: number) => badRange(option, value, `has low ${low} above high ${high}`),
    /** `stalledFor`: attempts since the last new config when sampling stopped for lack of progress, else null. */
    exhausted: (space: string, found: number, wanted: number, attempts: number, stalledFor: number | null, reasons: string) =>
      `${space}: found only ${found} of ${wanted} distinct configs in ${count(attempts)} attempts${
        stalledFor === null ? '' : ` (the last ${count(stalledFor)} without a new one)`
      }; ${reasons}. Widen the ranges, ask for fewer configs or allow more attempts.`,
    /** One constraint in `rejections`; `reached` is null for a constraint every draw meets first (out of `draws`). */
    rejectedBy: (label: string, rejected: number, reached: number | null, draws: number) =>
      `${show(label)} (${count(rejected)} of ${reached === null ? `${count(draws)} draws` : `the ${count(reached)} that reached it`}, ${share(rejected, reached ?? draws)})`,
    /** `ranked`: rejectedBy texts, the constraint that rejected the most first. */
    rejections: (ranked: readonly string[]) =>
      ranked.length === 0
        ? 'no attempt was rejected'
        : `most attempts were rejected by ${ranked[0]}${ranked.length > 1 ? `, then by ${ranked.slice(1).join(', ')}` : ''}`,
  },

  /** Datasets, their files (IDX, CIFAR batches), downloads, subsets and batches (src/data). */
  data: {
    unknownDataset: (name: string, known: readonly string[]) =>
      `unknown dataset ${show(name)}${didYouMean(name, known)}; known datasets: ${known.join(', ')}`,
    missingFile: (path: string) => `${path}: file not found`,
    unreadable: cannotRead,
    notGzip: (path: string, firstBytes: string) =>
      `${path}: is named .gz but is not a gzip file (it starts with bytes ${firstBytes}, a gzip file with 1f 8b)`,
    corruptGzip: (path: string, reason: string) => `${path}: corrupt gzip stream (${reason})`,
    gzipCutShort: (path: string) => `${path}: the gzip stream ends early (the file is cut short)`,
    shortHeader: (path: string, got: number, need: number) => `${path}: holds ${plural(got, 'byte')}, fewer than the ${need}-byte IDX header`,
    wrongMagic: (path: string, got: number, expected: number, what: string) =>
      `${path}: wrong magic number ${hex32(got)} (expected ${hex32(expected)}, IDX ${what})`,
    badDimension: (path: string, field: string, value: number) => `${path}: header gives ${field} = ${value}, expected at least 1`,
    tooLarge: (path: string, shape: string, bytes: number, limit: number) =>
      `${path}: header announces ${shape} = ${bytes} data bytes, more than the ${limit} this reader accepts`,
    truncated: (path: string, got: number, expected: number, shape: string) =>
      `${path}: truncated: ${plural(got, 'data byte')} after the header, but it announces ${shape} (${expected} bytes)`,
    extraBytes: (path: string, extra: number, expected: number, shape: string) =>
      `${path}: ${plural(extra, 'extra byte')} after the ${expected} data bytes of ${shape}`,
    labelOutOfRange: (path: string, index: number, value: number, classes: number) =>
      `${path}: label ${value} at index ${index} is out of range 0..${classes - 1}`,
    countMismatch: (imagesPath: string, images: number, labelsPath: string, labels: number) =>
      `${imagesPath} holds ${plural(images, 'image')} but ${labelsPath} holds ${plural(labels, 'label')}`,
    /** `got` and `expected` as HxW. */
    wrongImageSize: (path: string, got: string, expected: string, title: string) =>
      `${path}: holds images of ${got} pixels, but ${title} images are ${expected}`,
    /** A CIFAR batch cut inside a record; `layout` says what a record holds. */
    recordsCutShort: (path: string, bytes: number, recordBytes: number, layout: string, records: number) =>
      `${path}: truncated: its ${count(bytes)} bytes end inside record ${count(Math.floor(bytes / recordBytes) + 1)} of ${count(records)} (each ${count(recordBytes)} bytes: ${layout})`,
    recordCount: (path: string, got: number, recordBytes: number, expected: number) =>
      `${path}: holds ${plural(got, 'record')} of ${count(recordBytes)} bytes, expected ${count(expected)}`,
    recordSize: (path: string, bytes: number, recordBytes: number, layout: string, title: string) =>
      `${path}: its ${count(bytes)} bytes are not a whole number of ${count(recordBytes)}-byte records (${layout}); it is not a ${title} binary batch`,
    /** One folder searched, for `noData`: `missing` names the files it lacks. */
    lookedIn: (dir: string, how: string, missing: readonly string[], sources: DataSources) =>
      `${dir} (${how}): ${
        missing.length === 0
          ? `all ${inWords(sources.fileCount)} files`
          : missing.length === sources.fileCount
            ? 'no files'
            : `lacks ${missing.join(', ')} (${sources.whereHint})`
      }`,

    httpStatus: (url: string, status: number, statusText: string) => `${url}: the server answered HTTP ${status} ${statusText}`.trimEnd(),
    tooManyRedirects: (url: string, redirects: number) => `${url}: more than ${redirects} redirects`,
    badRedirect: (url: string, location: string) => `${url}: redirect to ${show(location)}, which is not an http(s) address`,
    badBaseUrl: (value: string) => `download address ${show(value)} is not an http:// or https:// URL`,
    network: (url: string, reason: string) => `${url}: download failed (${reason})`,
    /** The reason `network` gives when the server sends nothing for `seconds`. */
    silentServer: (seconds: number) => `no data from the server for ${seconds} s`,
    cutShort: (url: string, got: number, expected: number | null) =>
      `${url}: the download was cut short after ${got}${expected === null ? '' : ` of ${expected}`} bytes`,
    checksum: (url: string, got: string, expected: string) => `${url}: MD5 ${got} does not match the expected ${expected}; the file was not kept`,
    cannotWrite: (path: string, reason: string) => `${path}: cannot write (${reason})`,
    badArchive: (path: string, reason: string) => `${path}: cannot be unpacked (${reason})`,
    archiveLacks: (path: string, missing: readonly string[]) => `${path}: the archive lacks ${missing.join(', ')}`,

    /** `looked`: lookedIn texts; `downloadFailure`: why the download failed, or null when downloading is off. */
    noData: (looked: readonly string[], downloadFailure: string | null, sources: DataSources) =>
      [
        `${sources.title} not found (looked in: ${looked.join('; ')})${
          downloadFailure === null ? ' and downloading is off (--no-download)' : ` and downloading it failed: ${downloadFailure}`
        }.`,
        'Get the data one of these ways:',
        `  - ${sources.downloadCommand} [--data-dir DIR]   (on a machine with internet; from ${sources.baseUrl})`,
        ...(sources.system === null
          ? []
          : [`  - apt-get install ${sources.system.package}      (Debian/Ubuntu; installs to ${sources.system.dir})`]),
        `  - copy ${sources.copyHint} into ./${sources.localDir}, or into a folder named by --data-dir or ${sources.envVar}`,
      ].join('\n'),
    notUsable: (dir: string | null, downloadDir: string, sources: DataSources) =>
      dir === null
        ? `no folder holds all ${inWords(sources.fileCount)} ${sources.title} files; run \`${sources.downloadCommand}\` (writes to ${downloadDir})${
            sources.system === null ? '' : ` or apt-get install ${sources.system.package}`
          }`
        : `${dir} holds ${sources.title} files that are not valid (see above); replace them, e.g. with \`${sources.downloadCommand} --data-dir ${dir}\``,

    badSeed: (value: unknown) => `seed must be an integer from 0 to 4294967295, got ${show(value)}`,
    badEpoch: (value: unknown) => option.nonNegativeInteger('epoch', value),
    badSubsetSize: (name: string, value: unknown, available: number) =>
      `${name} must be an integer from 1 to ${available} (the images available) or null for all, got ${show(value)}`,
    /** `max`: largest side accepted, pixels. */
    badResolution: (value: unknown, max: number) => `resolution must be an integer from 1 to ${max} (pixels), got ${show(value)}`,
  },

  /** The SQLite database, its sweeps and runs, and exports (src/store). */
  store: {
    /** `missingFolder`: the database's folder when that is missing too (no sweep could create the file there). */
    missingFile: (path: string, missingFolder: string | null) =>
      missingFolder === null
        ? `database ${path} does not exist (a sweep creates it: netspace sweep run <spec> --db ${path})`
        : `database ${path} does not exist, nor does its folder ${missingFolder}`,
    noFolder: (path: string, dir: string) => `cannot create database ${path}: folder ${dir} does not exist`,
    cannotOpen: (path: string, reason: string) => `cannot open database ${path}: ${reason}`,
    notDatabase,
    noTables: (path: string) => notDatabase(path, 'it has no netspace tables'),
    missingTables: (path: string, tables: readonly string[]) =>
      notDatabase(path, `it lacks tables every netspace database of its version has (${tables.join(', ')})`),
    foreign: (path: string, tables: readonly string[]) =>
      `${path} is not a netspace database: it holds tables of another program (${tables.join(', ')}); nothing was written to it. ` +
      'Give netspace a file of its own with --db',
    notSqlite: (path: string, reason: string) =>
      `${path} is not a netspace database: SQLite cannot read it as a database (${reason}); nothing was written to it`,
    busy: (path: string, seconds: number, holder: string | null) =>
      `database ${path} is busy: another process holds its write lock and did not let go within ${seconds} s` +
      `${holder === null ? '' : ` (${holder})`}. The file is fine: wait for that process to finish, or stop it, and run this again`,
    damaged: (path: string, detail: string) =>
      `database ${path} is damaged: SQLite's integrity check says ${show(detail)}. netspace did not write to it; ` +
      'restore it from a copy (or start a new one with another --db)',
    readOnly: (path: string, why: string) =>
      `database ${path} cannot be written: ${why}. Nothing stored was changed; make it writable (or copy it somewhere writable) and run this again`,
    diskFull: (path: string) =>
      `the disk holding database ${path} is full. Nothing stored was lost; free some space and run the same command again to resume`,
    ioError: (path: string, reason: string) =>
      `the system reported an I/O error writing database ${path} (${reason}). Check the disk, then run the same command again to resume`,
    newerSchema: (path: string, found: number, understood: number) =>
      `database ${path} has schema version ${found}, newer than this netspace understands (${understood}); upgrade netspace`,
    noSweep: (name: string, path: string, known: readonly string[]) =>
      `no sweep named ${show(name)} in ${path} (${known.length === 0 ? 'it holds no sweeps yet' : `sweeps there: ${known.join(', ')}`})`,
    noSweepId: (sweepId: number, path: string) => `no sweep with id ${sweepId} in ${path}`,
    noRun: (runId: number, path: string) => `no run with id ${runId} in ${path}`,
    specChanged: (name: string, path: string, diffs: readonly string[], next: string) =>
      `sweep ${show(name)} in ${path} was started from a different spec (${diffs.join('; ')}); ` +
      `run it with the spec it had to resume it, or pass --force to start a new sweep ${show(next)}`,
    ownedByOther: (name: string, owner: { pid: number; host: string }, since: string) =>
      `sweep ${show(name)} is being run by process ${owner.pid} on ${owner.host} since ${since}; ` +
      'wait for it to end or stop it (Ctrl-C) before running the sweep again',
    exportFormat: (format: unknown, formats: readonly string[]) => `export format ${show(format)} is not one of: ${formats.join(', ')}`,
  },

  /** Sweep spec files, sweeps and single runs (src/train). */
  train: {
    /** `nearby`: the spec files in `dir`, the folder the missing file was looked for in. */
    specMissing: (path: string, dir: string, nearby: readonly string[]) =>
      `sweep spec ${path} does not exist${nearby.length > 0 ? ` (spec files in ${dir}: ${nearby.join(', ')})` : ''}`,
    cannotTrain: (sweep: string, reason: string) =>
      `sweep ${sweep}: the workers cannot train here: ${reason}. No run was marked failed; fix this and run the same command again`,
    noRun: (db: string, sweep: string) => `${db}: sweep ${sweep} holds no run`,
    /** A worker's reason for `cannotTrain`. */
    backendDoesNotLoad: (backend: string, reason: string) => `the ${backend} backend does not load: ${reason}`,
    tooLargeToBuild: (params: number, limitBytes: number) =>
      `the model has ${count(params)} parameters (${(params * 4 / 2 ** 30).toFixed(1)} GB as float32), more than netspace builds ` +
      `(${limitBytes / 2 ** 30} GB): check its widths and depths`,
    singleValueBatchNorm: (layer: string, shape: readonly number[]) =>
      `batch norm ${layer} got a single value per channel in training (input [${shape.join(', ')}], NHWC): its variance ` +
      'is 0 and PyTorch refuses this too. Choose a training size and batch size that leave at least 2 images in every batch',
    lastBatchOfOne: (layer: string, side: number, trainSize: number, batch: number, slice: number) =>
      `leaves a pass of ${slice} image (${count(trainSize)} training images in batches of ${batch}) while ${layer} ` +
      `normalises a ${side}x${side} feature map: batch norm would see a single value per channel, which PyTorch refuses. ` +
      'Choose a training size or batch size (or micro-batch) that leaves at least 2 images in every pass',
    heapTooSmall: (runs: number, worst: string, gb: number, limit: number, microBatch: number) =>
      `asks for about ${gb.toFixed(1)} GB of wasm heap per training pass (${worst}${runs > 1 ? ` and ${runs - 1} more run(s)` : ''}), ` +
      `above what its ${limit} GB heap holds: use a smaller batch or split it into micro-batches (${microBatch} images or fewer per pass would fit)`,
  },

  /** Sweeps trained by separate processes: Slurm array tasks and one process per GPU (src/cluster). */
  cluster: {
    noScheduler: () => 'sweep submit: name the scheduler with --slurm (the one netspace submits to)',
    manifestMissing: (path: string) =>
      `manifest ${path} does not exist (\`netspace sweep submit\` or \`sweep run --gpus\` writes it; is the folder visible from this node?)`,
    manifestInvalid: (path: string, problem: string) => `manifest ${path} cannot be used: ${problem}`,
    noTask: () => 'sweep work: give --task <n> (0-based), or run it as a Slurm array task (SLURM_ARRAY_TASK_ID is not set)',
    badTask: (value: unknown) => `--task must be a whole number >= 0 (the array task id), got ${show(value)}`,
    badName: (flag: string, value: unknown) => `${flag} must be letters, digits and _ . @ -, got ${show(value)}`,
    badTime: (flag: string, value: unknown) =>
      `${flag} must be a Slurm time limit: minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S (e.g. 90, 1:30:00, 2-00:00:00), got ${show(value)}`,
    badMemory: (flag: string, value: unknown) => `${flag} must be a memory size such as 4000, 8G or 512M, got ${show(value)}`,
    badSbatchLine: (value: unknown) =>
      `--sbatch must be an sbatch option on one line, such as --account=lab or "--qos short", got ${show(value)}`,
    ownedSbatchOption: (line: string, flag: string) =>
      `--sbatch ${show(line)}: netspace writes ${flag} itself (it follows from the other options); leave it out`,
    pathWithSpace: (path: string) =>
      `${path} holds white space, which #SBATCH lines cannot carry; put the database in a folder whose path has none`,
    noSlurm: (command: string) => `${command} is not installed here: submit from a Slurm login node (or use --dry-run to see the script)`,
    slurmFailed: (command: string, reason: string) => `${command} failed: ${reason === '' ? 'no reason given' : reason}`,
    stillQueued: (sweep: string, submission: number, jobId: string, pending: number, running: number) =>
      `sweep ${show(sweep)}: the array job ${jobId} of submission ${submission} still has ${plural(pending, 'task')} pending and ` +
      `${running} running; wait for it to end, or \`scancel ${jobId}\`, before training the sweep again (a second array, or \`sweep run\`, would train the same runs)`,
    noFidelity: (sweep: string, how: string) =>
      `sweep ${show(sweep)} has a fidelity: schedule, which ${how} cannot follow: the schedule decides after every rung which ` +
      `runs go on, from every result as it arrives, and the separate processes' frozen shares have no one process to decide in; ` +
      `train it with \`netspace sweep run\` (worker threads on this machine), or leave the fidelity: section out`,
    badGpus: (value: unknown) => `--gpus must be a comma-separated list of GPU ids such as 0,1 (each once), got ${show(value)}`,
    workerFailed: (task: number, gpu: string, code: number | null, signal: string | null) =>
      `the worker process of task ${task} (GPU ${gpu}) ended with ${signal === null ? `exit code ${code}` : `signal ${signal}`}; its log is above`,
  },

  /** TF.js backends and training steps (src/engine). */
  engine: {
    microBatch: (value: unknown) => `microBatch must be a positive integer (images per pass) or null, got ${show(value)}`,
    unknownBackend: (requested: string, requests: readonly string[]) => `--backend ${requested} is not one of: ${requests.join(', ')}`,
    backendMissing: (backend: string, reason: string) =>
      `--backend ${backend}: ${reason}; use --backend wasm (or auto), or install it with: netspace backend install`,
    backendInit: (backend: string) => `--backend ${backend}: TF.js could not initialise the ${backend} backend`,
    heapFull: (bytes: number, limit: number) =>
      `the wasm heap is full (its limit is ${limit / 2 ** 30} GB): no room for ${(bytes / 2 ** 20).toFixed(1)} MB more. ` +
      'Train with a smaller batch, or split each batch into micro-batches (--micro-batch N, or train.microBatch in a sweep spec)',
    heapExhausted: (error: string) =>
      `the wasm heap ran out near its 4 GB limit (${error}). ` +
      'Train with a smaller batch, or split each batch into micro-batches (--micro-batch N, or train.microBatch in a sweep spec)',
  },

  /** Installing the native backend from a TensorFlow wheel (src/engine/native-install.ts). */
  native: {
    wheelMissing: (path: string) => `--wheel ${path}: no such file`,
    notWheel: (path: string, reason: string) => `--wheel ${path} is not a TensorFlow wheel: ${reason}`,
    wrongPlatform: (path: string, tag: string) =>
      `--wheel ${path} is built for ${tag}; netspace needs a Linux x86-64 wheel (manylinux ... x86_64) of tensorflow or tensorflow-cpu`,
    badPipVersion: (value: unknown) => `--pip-version must be a TensorFlow version such as 2.21.0, got ${show(value)}`,
    noPip: (reason: string) => `cannot run pip to download a TensorFlow wheel (${reason}); download one and pass it with --wheel FILE`,
    pipFailed: (spec: string, output: string) =>
      `pip could not download ${spec}: ${output}\nDownload a wheel another way and pass it with --wheel FILE`,
    noCompiler: (tool: string) =>
      `building the TensorFlow addon needs ${tool}, which is not installed (on Debian: apt-get install g++ make python3)`,
    noHeaders: (dir: string) =>
      `building the TensorFlow addon needs Node.js's C headers, not found in ${dir} (on Debian: apt-get install libnode-dev; ` +
      'or set npm_config_nodedir to a folder with include/node/node_api.h)',
    noNodeGyp: () => 'building the TensorFlow addon needs node-gyp, which comes with npm; install npm or node-gyp',
    npmFailed: (output: string) => `npm could not install @tensorflow/tfjs-node-gpu: ${output}`,
    buildFailed: (log: string, tail: string) => `building the TensorFlow addon failed (full log: ${log}):\n${tail}`,
    patchFailed: (dir: string, reason: string) =>
      `cannot put the TensorFlow addon's attribute table under a lock in ${dir} (${reason}); netspace needs ` +
      '@tensorflow/tfjs-node-gpu 4.22.0 there: remove that folder and run netspace backend install again',
    unlockedAddon: (file: string) =>
      `the tensorflow addon ${file} lacks netspace's lock on tfjs-node's op-attribute table (a prebuilt addon, or one ` +
      'built by an older netspace): 2 or more worker threads can crash the process at start; run netspace backend install ' +
      'to replace it, or train with --workers 1',
    diskFull: (dir: string, neededMb: number, freeMb: number) =>
      `not enough disk space in ${dir}: the TensorFlow libraries need about ${neededMb} MB, ${freeMb} MB are free ` +
      '(set NETSPACE_CACHE to a folder on a larger disk)',
    loadFailed: (reason: string) => `the TensorFlow addon was built but does not load: ${reason}`,
    noProject: (dir: string) => `cannot find the node_modules folder that holds @tensorflow/tfjs near ${dir}; run npm ci first`,
  },

  /** Analysis options and inputs (src/analysis); `source` names the function or the options object. */
  analysis: {
    notAnObject: (source: string, value: unknown) => `${source}: must be an object of options, got ${show(value)}`,
    unknownOption: (source: string, key: string, known: readonly string[]) =>
      `${source}: ${key} is not a known option (expected one of: ${known.join(', ')})`,
    positiveInteger: (source: string, key: string, value: unknown) => `${source}: ${option.positiveInteger(key, value)}`,
    bins: (source: string, key: string, value: unknown) => `${source}: ${option.positiveInteger(key, value)} or "auto"`,
    nonNegativeInteger: (source: string, key: string, value: unknown) => `${source}: ${option.nonNegativeInteger(key, value)}`,
    fraction: (source: string, key: string, value: unknown) =>
      `${source}: ${key} must be a number greater than 0 and at most 1, got ${show(value)}`,
    percentLevel: (source: string, key: string, value: unknown) =>
      `${source}: ${key} must be a number strictly between 0 and 1, got ${show(value)}`,
    percentage: (source: string, key: string, value: unknown) =>
      `${source}: ${key} must be a percentage strictly between 0 and 100, got ${show(value)}`,
    correlation: (source: string, key: string, value: unknown) => `${source}: ${key} must be a correlation from -1 to 1, got ${show(value)}`,
    atLeastTwo: (source: string, key: string, value: unknown) => `${source}: ${option.wholeNumber(key, 2, value)}`,
    percentile: (value: unknown) => `percentile: p must be a number from 0 to 100, got ${show(value)}`,
    emptySample: (what: string) => `${what}: needs at least one value, got none`,
    notFinite: (what: string, index: number, value: unknown) => `${what}: value [${index}] must be a finite number, got ${show(value)}`,
    negativeWeight: (what: string, index: number, value: number) => `${what}: weights [${index}] must not be negative, got ${value}`,
    lengthMismatch: (what: string, left: string, right: string, a: number, b: number) =>
      `${what}: ${left} has ${a} values but ${right} has ${b}; they must pair up`,
    nonPositiveFlops: (what: string, index: number, value: number) =>
      `${what}: flops [${index}] must be positive for log binning, got ${value}`,
    importanceMethod: (value: unknown, methods: readonly string[]) =>
      `importance method ${show(value)} is not one of: ${methods.join(', ')}`,
    importanceScale: (value: unknown, scales: readonly string[]) => `importance scale ${show(value)} is not one of: ${scales.join(', ')}`,
  },

  /** Reports and curve charts (src/report). */
  report: {
    outExtension: (option: string, path: string, allowed: readonly string[]) => `${option} ${show(path)} must end in ${allowed.join(' or ')}`,
    repeatedSweep: (name: string) => `sweep ${show(name)} is named twice; name each sweep to compare once`,
    noEpochs: (runId: number, status: string) => `run ${runId} (${status}) has no finished epoch yet, so there is no curve to draw`,
  },

  /** The dashboard server (src/serve) and what it answers to requests it refuses. */
  serve: {
    readOnly: (method: string) => `netspace serve is read-only: ${method} is refused; only GET and HEAD are answered`,
    notFound: () => 'nothing is served at this address (the dashboard serves /, /sweeps/<name>, /api/... and its own /assets/)',
    badRunId: (text: string) => `run id ${show(text)} is not a positive integer`,
    foreignHost: (host: string | undefined, allowed: readonly string[]) =>
      `this dashboard listens on a loopback address and answers only requests addressed to it (${allowed.join(', ')}), not to Host ${show(host)}`,
    badHost: (value: unknown) => `--host must name an address to listen on, such as 127.0.0.1 or 0.0.0.0, got ${show(value)}`,
    portInUse: (host: string, port: number) => `cannot listen on ${host}:${port}: the port is in use; choose another with --port (0 picks a free one)`,
    cannotListen: (host: string, port: number, reason: string) => `cannot listen on ${host}:${port}: ${reason}`,
    /** A warning, not an error: the dashboard is reachable from other machines. */
    exposed: (url: string, db: string) =>
      `warning: ${url} listens beyond this machine's loopback: anyone who can reach it can read every sweep in ${db} ` +
      '(the dashboard has no login; it changes nothing, but it shows everything)',
    internal: () => 'internal error of the dashboard server; its terminal shows the details',
    cannotBundle: (reason: string) =>
      `the dashboard's page script is not built and cannot be: esbuild does not load (${reason}); npm install (with dev dependencies) and npm run build make it`,
  },

  /** Trained models written out and read back (src/model/saved.ts, `netspace export-model`). */
  model: {
    checkpointSize: (got: number, expected: number) => `the checkpoint holds ${got} values but the model of its config has ${expected}`,
    notSaved: (path: string, reason: string) => `${path} is not a model netspace export-model wrote: ${reason}`,
    noCheckpoint: (runId: number, status: string) =>
      `run ${runId} (${status}) has no kept checkpoint: only done and stopped runs keep their trained model` +
      `${status === 'pending' || status === 'running' || status === 'paused' ? '; export it once it has finished' : ''}`,
  },

  /** Options as the command line (or a library caller passing them on) names them, and what the CLI itself checks. */
  option,
  settings,
  recipe,
} as const);
