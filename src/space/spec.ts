// Design spaces as data: the spec types (a tagged union on `kind`) and the validator every spec passes through.
//
// The pipeline starts here:  space spec (builtin name | JSON/YAML file) -> parseSpaceSpec -> SpaceSpec
//   -> sampleConfigs (seeded draws, constraints, complexity, dedup) -> SampledConfig[] -> sweep / store / train.
import { ANYNETX_CONSTRAINTS, SPACE_DEFAULTS } from './builtins.ts';
import {
  distributionBounds,
  distributionGenerators,
  isMultipleOf,
  parseDistribution,
  type Distribution,
} from './distributions.ts';
import { messages, specError } from '../messages.ts';
import { isRecord, checkKeys } from './document.ts';
import {
  ANYNET_PARAMS,
  REGNET_PARAMS,
  SPACE_KINDS,
  SPACE_SCALES,
  type AnyNetParam,
  type AnyNetSpace,
  type RegNetParam,
  type RegNetXSpace,
  type SpaceKind,
  type SpaceScale,
  type SpaceScaleName,
  type SpaceSpec,
  type StageDistribution,
} from './types.ts';

export * from './types.ts';

/** What values a parameter accepts; checked against everything its distribution can produce. */
interface ParamRule {
  integer: boolean;
  min: number;
  /** Whether min itself is excluded. */
  exclusive: boolean;
  multipleOf?: number;
}

const WHOLE_POSITIVE: ParamRule = { integer: true, min: 1, exclusive: false };
const PARAM_RULES: Record<AnyNetParam | RegNetParam, ParamRule> = {
  depth: WHOLE_POSITIVE,
  width: WHOLE_POSITIVE,
  groupWidth: WHOLE_POSITIVE,
  bottleneckRatio: { integer: false, min: 0, exclusive: true },
  // pycls generate_regnet asserts w0 % 8 == 0: the quantized widths are multiples of 8.
  w0: { integer: true, min: 8, exclusive: false, multipleOf: 8 },
  wa: { integer: false, min: 0, exclusive: false },
  wm: { integer: false, min: 1, exclusive: true },
};

const SCALE_KEYS = ['kind', 'name', 'scale', 'stages', 'stemWidth', 'inputChannels', 'resolution', 'numClasses', 'convBias'] as const;
const ANYNET_KEYS: readonly string[] = [...SCALE_KEYS, ...ANYNET_PARAMS, 'shared', 'nonDecreasing'];
const REGNET_KEYS: readonly string[] = [...SCALE_KEYS, ...REGNET_PARAMS];

/** Largest stage count accepted: far beyond any network of the paper, small enough to catch typos like 40. */
const MAX_STAGES = 16;

function positiveInteger(source: string, path: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) specError(source, path, messages.spec.positiveInteger(value));
  return value;
}

/** Checks that everything `d` can draw is a legal value of `param`. */
function checkParamValues(source: string, path: string, param: AnyNetParam | RegNetParam, d: Distribution): void {
  const rule = PARAM_RULES[param];
  const { min } = distributionBounds(d);
  if (rule.exclusive ? min <= rule.min : min < rule.min) {
    specError(source, path, messages.spec.belowMinimum(param, min, rule.min, rule.exclusive));
  }
  for (const { field, value } of distributionGenerators(d)) {
    const at = d.dist === 'fixed' ? path : `${path}.${field}`;
    if (rule.integer && !Number.isInteger(value)) specError(source, at, messages.spec.notInteger(param, value));
    if (rule.multipleOf !== undefined && !isMultipleOf(value, rule.multipleOf)) {
      specError(source, at, messages.spec.notMultipleOf(param, value, rule.multipleOf));
    }
  }
}

function parseParam(source: string, path: string, param: AnyNetParam | RegNetParam, value: unknown): Distribution {
  const d = parseDistribution(value, source, path);
  checkParamValues(source, path, param, d);
  return d;
}

function parseParamList(source: string, key: string, value: unknown): AnyNetParam[] {
  if (!Array.isArray(value)) specError(source, key, messages.spec.paramList(value));
  const params = value.map((p: unknown, i: number) => {
    if (typeof p !== 'string' || !(ANYNET_PARAMS as readonly string[]).includes(p)) {
      specError(source, `${key}[${i}]`, messages.spec.unknownParam(p, ANYNET_PARAMS));
    }
    return p as AnyNetParam;
  });
  return ANYNET_PARAMS.filter((p) => params.includes(p));
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function parseScale(source: string, merged: Record<string, unknown>, scale: SpaceScaleName): SpaceScale {
  if (typeof merged.name !== 'string' || merged.name.trim() === '') specError(source, 'name', messages.spec.nonEmptyString(merged.name));
  const stages = positiveInteger(source, 'stages', merged.stages);
  if (stages > MAX_STAGES) specError(source, 'stages', messages.spec.tooManyStages(stages, MAX_STAGES));
  const stemWidth = positiveInteger(source, 'stemWidth', merged.stemWidth);
  const inputChannels = positiveInteger(source, 'inputChannels', merged.inputChannels);
  const resolution = positiveInteger(source, 'resolution', merged.resolution);
  const numClasses = positiveInteger(source, 'numClasses', merged.numClasses);
  if (typeof merged.convBias !== 'boolean') specError(source, 'convBias', messages.spec.boolean(merged.convBias));
  return { name: merged.name, scale, stages, stemWidth, inputChannels, resolution, numClasses, convBias: merged.convBias };
}

function parseAnyNet(source: string, raw: Record<string, unknown>, kind: AnyNetSpace['kind'], scale: SpaceScaleName): AnyNetSpace {
  checkKeys(source, '', raw, ANYNET_KEYS);
  const merged: Record<string, unknown> = { ...SPACE_DEFAULTS[scale][kind], ...raw };
  const base = parseScale(source, merged, scale);
  const constraints = kind === 'AnyNet' ? null : ANYNETX_CONSTRAINTS[kind];
  const lists = {} as Record<'shared' | 'nonDecreasing', AnyNetParam[]>;
  for (const key of ['shared', 'nonDecreasing'] as const) {
    lists[key] = parseParamList(source, key, merged[key]);
    if (constraints !== null && !sameSet(lists[key], constraints[key])) {
      specError(source, key, messages.spec.fixedByKind(kind, raw[key], constraints[key]));
    }
  }
  const params = {} as Record<AnyNetParam, StageDistribution>;
  for (const param of ANYNET_PARAMS) {
    const value = merged[param];
    if (Array.isArray(value)) {
      if (lists.shared.includes(param)) specError(source, param, messages.spec.sharedButPerStage(param));
      if (value.length !== base.stages) specError(source, param, messages.spec.stageListLength(value.length, base.stages));
      params[param] = value.map((v: unknown, i: number) => parseParam(source, `${param}[${i}]`, param, v));
    } else {
      params[param] = parseParam(source, param, param, value);
    }
  }
  return { kind, ...base, ...params, shared: lists.shared, nonDecreasing: lists.nonDecreasing };
}

function parseRegNetX(source: string, raw: Record<string, unknown>, scale: SpaceScaleName): RegNetXSpace {
  checkKeys(source, '', raw, REGNET_KEYS);
  const merged: Record<string, unknown> = { ...SPACE_DEFAULTS[scale].RegNetX, ...raw };
  const base = parseScale(source, merged, scale);
  const params = {} as Record<RegNetParam, Distribution>;
  for (const param of REGNET_PARAMS) {
    if (Array.isArray(merged[param])) {
      specError(source, param, messages.spec.regnetList());
    }
    params[param] = parseParam(source, param, param, merged[param]);
  }
  return { kind: 'RegNetX', ...base, ...params };
}

/**
 * Checks an untrusted design-space spec (parsed JSON or YAML) and returns it complete: fields it leaves out come from
 * the built-in space of its `kind` at its `scale` ("fashion-mnist" unless given), distributions in full object form.
 * Throws a NetspaceError naming `source`, the path inside the spec and what is wrong with it.
 *
 * Example (YAML), an ImageNet-scale AnyNetX_D with wider widths than the default:
 *   kind: AnyNetX_D
 *   scale: imagenet
 *   width: {dist: log-uniform, low: 16, high: 2048, quantum: 8}
 */
export function parseSpaceSpec(value: unknown, source: string): SpaceSpec {
  if (!isRecord(value)) specError(source, 'the space spec', messages.spec.notObject(value));
  const kind = value.kind;
  if (kind === undefined) specError(source, 'kind', messages.spec.missingOneOf(SPACE_KINDS));
  if (typeof kind !== 'string' || !(SPACE_KINDS as readonly string[]).includes(kind)) {
    specError(source, 'kind', messages.spec.oneOf(kind, SPACE_KINDS));
  }
  const scale = value.scale ?? 'fashion-mnist';
  if (typeof scale !== 'string' || !(SPACE_SCALES as readonly string[]).includes(scale)) {
    specError(source, 'scale', messages.spec.oneOf(scale, SPACE_SCALES));
  }
  const spaceKind = kind as SpaceKind;
  return spaceKind === 'RegNetX'
    ? parseRegNetX(source, value, scale as SpaceScaleName)
    : parseAnyNet(source, value, spaceKind, scale as SpaceScaleName);
}
