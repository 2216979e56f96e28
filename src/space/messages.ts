// The catalogue of user-facing error messages of src/space: every NetspaceError this module throws is worded here.
import { NetspaceError } from '../errors.ts';

/** A value as the user wrote it: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** Throws `<source>: <path> <problem>`, the shape config.ts uses, so every spec error reads the same way. */
export function specError(source: string, path: string, problem: string): never {
  throw new NetspaceError(`${source}: ${path} ${problem}`);
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

export const messages = {
  unknownKey: (key: string, allowed: readonly string[]) =>
    `is not a known key${didYouMean(key, allowed)}; expected one of: ${allowed.join(', ')}`,
  missing: (what: string) => `is missing: give ${what}`,
  notObject: (value: unknown) => `must be an object, got ${show(value)}`,
  oneOf: (value: unknown, options: readonly string[]) =>
    `must be one of ${options.join(', ')}, got ${show(value)}${typeof value === 'string' ? didYouMean(value, options) : ''}`,
  notDistribution: (value: unknown) =>
    `must be a number or a distribution object such as {"dist": "log-uniform", "low": 8, "high": 256, "quantum": 8}, got ${show(value)}`,
  notNumberList: (value: unknown) => `must be a list of numbers, got ${show(value)}`,
  quantumAboveLow: (quantum: number, low: number) =>
    `is ${quantum}, above low ${low}: powers of 2 below the quantum would round to 0`,
  tooManyStages: (stages: number, max: number) => `must be at most ${max}, got ${stages}`,
  regnetList: () => 'takes one distribution (a RegNet draws each parameter once), got a list',
  positiveInteger: (value: unknown) => `must be a positive integer, got ${show(value)}`,
  finiteNumber: (value: unknown) => `must be a finite number, got ${show(value)}`,
  boolean: (value: unknown) => `must be true or false, got ${show(value)}`,
  nonEmptyString: (value: unknown) => `must be a non-empty string, got ${show(value)}`,
  lowAboveHigh: (low: number, high: number) => `has low ${low} above high ${high}; a range needs low <= high`,
  nonPositiveLogRange: (dist: string, low: number) =>
    `has low ${low}, but a ${dist} range needs low > 0 (it is drawn on a log scale)`,
  nonPositiveQuantum: (quantum: unknown) => `must be a number > 0, got ${show(quantum)}`,
  quantumDoesNotDivide: (bound: 'low' | 'high', value: number, quantum: number) =>
    `does not divide ${bound} = ${value}: both bounds must be multiples of the quantum ${quantum}`,
  notPowerOfTwo: (value: number) => `must be a power of 2 for this distribution, got ${value}`,
  emptyChoice: () => 'must list at least one value',
  stageListLength: (length: number, stages: number) =>
    `lists ${length} per-stage distributions, but the space has ${stages} stages`,
  sharedButPerStage: (param: string) =>
    `is one shared value (it is in "shared"), so it takes one distribution, not a per-stage list of them; drop ${show(param)} from "shared" or give one distribution`,
  fixedByKind: (kind: string, given: unknown, fixed: readonly string[]) =>
    `is fixed to ${show(fixed)} by kind ${kind}, got ${show(given)}; use kind "AnyNet" to choose it freely`,
  belowMinimum: (param: string, value: number, min: number, exclusive: boolean) =>
    `can produce ${value}, but ${param} must be ${exclusive ? '>' : '>='} ${min}`,
  notInteger: (param: string, value: number) => `is ${value}, but ${param} takes whole numbers only`,
  notMultipleOf: (param: string, value: number, multiple: number) =>
    `is ${value}, but every ${param} must be a multiple of ${multiple}`,
  paramList: (value: unknown) => `must be a list of parameter names, got ${show(value)}`,
  unknownParam: (value: unknown, params: readonly string[]) =>
    `names ${show(value)}, which is not one of ${params.join(', ')}${typeof value === 'string' ? didYouMean(value, params) : ''}`,
} as const;

/** Errors outside a spec document: options, references, files. */
export const optionErrors = {
  badOption: (option: string, value: unknown, expected: string) =>
    new NetspaceError(`${option} must be ${expected}, got ${show(value)}`),
  badRange: (option: string, value: unknown, problem: string) =>
    new NetspaceError(`${option} ${show(value)} ${problem}`),
  unknownSpace: (ref: string, builtins: readonly string[]) =>
    new NetspaceError(
      `${show(ref)} is neither a built-in design space (${builtins.join(', ')}) nor a readable spec file${didYouMean(ref, builtins)}`,
    ),
  unreadable: (path: string, reason: string) => new NetspaceError(`${path}: cannot be read (${reason})`),
  unparsable: (path: string, format: string, reason: string) =>
    new NetspaceError(`${path}: is not valid ${format}: ${reason}`),
  regnetArgument: (text: string, problem: string) => new NetspaceError(`--regnet ${show(text)}: ${problem}`),
  complexityInput: () =>
    new NetspaceError('name a config (a preset such as regnet32, or a JSON config file) or give --regnet d=..,w0=..,wa=..,wm=..,g=.., not both'),
  regnetOnly: (option: string, config: string) =>
    new NetspaceError(`${option} goes with --regnet only: the config ${config} states its own input channels, classes, stem width and conv bias`),
  regnetParams: (problem: string) => new NetspaceError(`RegNet parameters: ${problem}`),
  incompatible: (width: number, multiplier: number, groupWidth: number) =>
    new NetspaceError(
      `no width near ${width} makes round(width x ${multiplier}) a multiple of group width ${groupWidth}; use a bottleneck multiplier whose inverse is a whole number, or a whole multiplier`,
    ),
  exhausted: (space: string, found: number, wanted: number, attempts: number, stalled: string, reasons: string) =>
    new NetspaceError(
      `${space}: found only ${found} of ${wanted} distinct configs in ${attempts.toLocaleString('en-US')} attempts${stalled}; ${reasons}. Widen the ranges, ask for fewer configs or allow more attempts.`,
    ),
} as const;
