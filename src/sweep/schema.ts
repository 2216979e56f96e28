// The JSON Schema of sweep specs, space specs and model configs, built from the parsers' own key lists and kinds,
// for editors' completion of the YAML (docs/spec.schema.json; docs/specs.md says what each key means).
import { DATASET_NAMES } from '../data/datasets.ts';
import { RECIPE_KEYS, RECIPE_PRESETS } from '../train/recipe.ts';
import { BACKEND_REQUESTS } from '../engine/options.ts';
import { CONFIG_KEYS, STAGE_KEYS } from '../space/config.ts';
import { DISTRIBUTIONS, RANGE_DISTRIBUTIONS } from '../space/distributions.ts';
import { PRESETS } from '../space/presets.ts';
import { ANYNET_PARAMS, REGNET_PARAMS, SCALE_KEYS, SPACE_KINDS, SPACE_SCALES } from '../space/spec.ts';
import { FIDELITY_KEYS, FIDELITY_KINDS, type FidelityKind } from './fidelity-spec.ts';
import { COMPLEXITY_KEYS, SPACE_ENTRY_KEYS, TOP_KEYS, TRAIN_KEYS } from './spec.ts';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/$defs/${name}` });
const whole = (minimum: number, maximum?: number): Schema => ({ type: 'integer', minimum, ...(maximum === undefined ? {} : { maximum }) });
const object = (keys: readonly string[], properties: Record<string, Schema>, required: string[] = []): Schema => {
  const missing = keys.filter((k) => properties[k] === undefined);
  if (missing.length > 0) throw new Error(`schema: no property schema for ${missing.join(', ')}`);
  return { type: 'object', properties: Object.fromEntries(keys.map((k) => [k, properties[k]!])), additionalProperties: false, ...(required.length > 0 ? { required } : {}) };
};

/** A complexity count: a number or a string with a k, M or G suffix ("3M"). */
const COUNT: Schema = { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^[0-9.eE+-]+\\s*[kKmMgG]?$' }] };

const SCALE_PROPERTIES: Record<(typeof SCALE_KEYS)[number], Schema> = {
  kind: { type: 'string' },
  name: { type: 'string', minLength: 1, description: 'name runs are stored under; default the kind or the file name' },
  scale: { enum: [...SPACE_SCALES], description: 'defaults for the fields left out' },
  stages: whole(1, 16),
  stemWidth: whole(1),
  inputChannels: whole(1),
  resolution: whole(1),
  numClasses: whole(1),
  convBias: { type: 'boolean' },
};

const ANYNET_KINDS = SPACE_KINDS.filter((k) => k !== 'RegNetX');
const PARAM_LIST: Schema = { type: 'array', items: { enum: [...ANYNET_PARAMS] }, uniqueItems: true };

/** A fidelity schedule of one kind: its keys as the parser checks them. */
const FIDELITY_PROPERTIES: Record<FidelityKind, Record<string, Schema>> = {
  asha: { kind: { const: 'asha' }, minEpochs: whole(1), maxEpochs: whole(2), reductionFactor: whole(2, 1000), brackets: whole(1) },
  check: { kind: { const: 'check' }, low: whole(1), full: whole(2), fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1 }, perSpace: whole(1, 100_000), seed: whole(0, 0xffffffff) },
};
const FIDELITY_REQUIRED: Record<FidelityKind, string[]> = { asha: ['kind', 'minEpochs', 'maxEpochs', 'reductionFactor'], check: ['kind', 'low', 'full'] };

/**
 * The JSON Schema (draft 2020-12) of a sweep spec file, with `$defs` for a space spec (`#/$defs/space`), a model
 * config (`#/$defs/model`) and a distribution. Keys come from the parsers' lists (TOP_KEYS, SCALE_KEYS, CONFIG_KEYS,
 * ...), so a key added to a parser without a schema entry throws here, and the test that compares this with
 * docs/spec.schema.json fails. The parsers stay the authority: they also accept kinds in any case and check ranges
 * that a schema cannot state (quantum multiples, stage list lengths).
 */
export function specSchema(): Schema {
  const distribution: Schema = {
    description: 'a number, or {dist, ...} (docs/specs.md, Distributions)',
    anyOf: [
      { type: 'number' },
      object(['dist', 'low', 'high', 'quantum'], { dist: { enum: [...RANGE_DISTRIBUTIONS] }, low: { type: 'number' }, high: { type: 'number' }, quantum: { type: 'number', exclusiveMinimum: 0 } }, ['dist', 'low', 'high', 'quantum']),
      object(['dist', 'values'], { dist: { const: 'choice' }, values: { type: 'array', items: { type: 'number' }, minItems: 1 } }, ['dist', 'values']),
      object(['dist', 'value'], { dist: { const: 'fixed' }, value: { type: 'number' } }, ['dist', 'value']),
    ],
  };
  if (DISTRIBUTIONS.length !== RANGE_DISTRIBUTIONS.length + 2) throw new Error('schema: a distribution kind has no schema');
  const stageDistribution: Schema = { anyOf: [ref('distribution'), { type: 'array', items: ref('distribution'), minItems: 1 }] };
  const anyNet = object([...SCALE_KEYS, ...ANYNET_PARAMS, 'shared', 'nonDecreasing'], {
    ...SCALE_PROPERTIES,
    kind: { enum: ANYNET_KINDS },
    ...Object.fromEntries(ANYNET_PARAMS.map((p) => [p, stageDistribution])),
    shared: { ...PARAM_LIST, description: 'parameters drawn once for every stage' },
    nonDecreasing: { ...PARAM_LIST, description: 'parameters that must not decrease from stage to stage' },
  }, ['kind']);
  const regNet = object([...SCALE_KEYS, ...REGNET_PARAMS], {
    ...SCALE_PROPERTIES,
    kind: { const: 'RegNetX' },
    ...Object.fromEntries(REGNET_PARAMS.map((p) => [p, ref('distribution')])),
  }, ['kind']);
  const stage = object(STAGE_KEYS, { depth: whole(1), width: whole(1), groupWidth: whole(1), bottleneckMultiplier: { type: 'number', exclusiveMinimum: 0 } }, [...STAGE_KEYS]);
  const model = object(CONFIG_KEYS, { inputChannels: whole(1), stemWidth: whole(1), numClasses: whole(1), convBias: { type: 'boolean' }, stages: { type: 'array', items: stage, minItems: 1 } }, ['stemWidth', 'stages']);
  const entry = object(SPACE_ENTRY_KEYS, {
    space: { anyOf: [{ type: 'string', description: `a built-in space (${SPACE_KINDS.filter((k) => k !== 'AnyNet').join(', ')}) or a spec file` }, ref('space')] },
    model: { anyOf: [{ type: 'string', description: `a preset (${Object.keys(PRESETS).join(', ')})` }, ref('model')] },
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$' },
    n: whole(1, 100_000),
  }, ['n']);
  const size: Schema = { anyOf: [whole(10, 10_000_000), { const: 'all' }, { type: 'null' }] };
  const train = object(TRAIN_KEYS, {
    epochs: whole(1, 10_000),
    resolution: whole(8, 1024),
    batchSize: whole(1, 65_536),
    lr: { type: 'number', exclusiveMinimum: 0, maximum: 10 },
    trainSize: size,
    valSize: size,
    microBatch: { anyOf: [whole(1, 65_536), { type: 'null' }] },
    recipe: {
      description: 'a preset name or a recipe (README, Training recipes); the parser checks its fields',
      anyOf: [{ enum: Object.keys(RECIPE_PRESETS) }, object(RECIPE_KEYS, Object.fromEntries(RECIPE_KEYS.map((k) => [k, {}])))],
    },
    backend: { enum: [...BACKEND_REQUESTS] },
  });
  const band: Schema = { type: 'array', prefixItems: [{ anyOf: [COUNT, { type: 'null' }] }, { anyOf: [COUNT, { type: 'null' }] }], minItems: 2, maxItems: 2 };
  const fidelity: Schema = {
    oneOf: FIDELITY_KINDS.map((k) => object(FIDELITY_KEYS[k], FIDELITY_PROPERTIES[k], FIDELITY_REQUIRED[k])),
  };
  const sweep = object(TOP_KEYS, {
    kind: { const: 'sweep' },
    name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$', description: "the sweep's name in the database" },
    description: { type: 'string' },
    seed: whole(0, 0xffffffff),
    dataset: { enum: [...DATASET_NAMES] },
    spaces: { type: 'array', items: entry, minItems: 1 },
    complexity: object(COMPLEXITY_KEYS, { flops: band, params: band, acts: band }),
    train,
    fidelity,
    workers: { anyOf: [whole(1, 256), { const: 'auto' }] },
  }, ['name', 'spaces']);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://netspace.invalid/spec.schema.json',
    title: 'netspace sweep spec',
    description: 'A sweep spec (docs/specs.md); $defs/space is a space spec, $defs/model a model config.',
    ...sweep,
    $defs: { sweep, space: { oneOf: [anyNet, regNet] }, model, distribution },
  };
}
