// The sweep spec (experiments/*.yaml): which spaces, how many configs each, complexity band, training settings.
//
// Pipeline of a sweep:  sweep spec file -> loadSweepSpec -> SweepSpec -> planRuns (sampleConfigs per space)
//   -> NewRun[] -> store (runs table) -> pool (train each) -> epochs/results in SQLite -> analysis / report.
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { BACKEND_REQUESTS, type BackendRequest } from '../engine/options.ts';
import { NetspaceError } from '../errors.ts';
import { messages, specError } from '../messages.ts';
import { parseAnyNetConfig, type AnyNetConfig } from '../space/config.ts';
import { builtinSpaces, type BuiltinSpaceName } from '../space/builtins.ts';
import { loadSpace, readDataFile } from '../space/load.ts';
import { PRESETS } from '../space/presets.ts';
import { complexity as countComplexity } from '../space/complexity.ts';
import { checkKeys, isRecord } from '../space/document.ts';
import { hashString } from '../core/random.ts';
import { canonicalKey } from '../space/key.ts';
import { parseComplexityRange, sampleConfigs } from '../space/sampler.ts';
import { parseSpaceSpec, type SpaceSpec } from '../space/spec.ts';
import type { NewRun } from '../store/store.ts';
import { spaceDomains, type ParameterDomain } from '../space/domains.ts';
import type { TrainSettings } from '../core/types.ts';
import { DATASETS, DEFAULT_DATASET, type DatasetName, type DatasetSpec } from '../data/datasets.ts';
import { parseTrainSettings, TRAIN_DEFAULTS } from '../train/settings.ts';
import { parseFidelitySpec, scheduledTrainEpochs, type FidelitySpec } from './fidelity-spec.ts';

/** A complexity bound pair: [low, high], either end null for open. Units as counted by src/space/complexity.ts. */
export type Range = [number | null, number | null];

/** `n` configs sampled from a design space. */
export interface SpaceEntry {
  kind: 'space';
  /** Name the runs are stored and compared under (the space's name unless the entry gives one). */
  name: string;
  space: SpaceSpec;
  n: number;
}

/** One fixed model trained `n` times with different seeds (a baseline, or the noise floor of a comparison). */
export interface ModelEntry {
  kind: 'model';
  name: string;
  config: AnyNetConfig;
  n: number;
}

export type SweepEntry = SpaceEntry | ModelEntry;

/** A validated sweep spec with every default filled in. */
export interface SweepSpec {
  kind: 'sweep';
  /** Sweep name in the database; `sweep status <name>` finds it by this. */
  name: string;
  /** Free text: what the sweep is for and what it costs. */
  description: string;
  /** Seeds the sampler of every space and, mixed with each config's key, the training of every run. */
  seed: number;
  spaces: SweepEntry[];
  /** Band that every sampled config must lie in (fixed models are not filtered). */
  complexity: { flops: Range; params: Range; acts: Range };
  train: TrainSettings;
  /**
   * A multi-fidelity schedule (sweep/fidelity-spec.ts): ASHA within each space, or the fidelity check. Absent: every
   * run trains its `train.epochs`. (Only set when given, so that sweeps without one keep their identity.)
   */
  fidelity?: FidelitySpec;
  /** Backend the workers load; 'auto' takes tensorflow when it loads, else wasm. */
  backend: BackendRequest;
  /** Threads; 'auto' is one per core. */
  workers: number | 'auto';
}

/** Training defaults of a sweep (train/settings.ts TRAIN_DEFAULTS). */
export const SWEEP_TRAIN_DEFAULTS: Readonly<TrainSettings> = TRAIN_DEFAULTS;

export const TOP_KEYS = ['kind', 'name', 'description', 'seed', 'dataset', 'spaces', 'complexity', 'train', 'fidelity', 'workers'] as const;
export const SPACE_ENTRY_KEYS = ['space', 'model', 'name', 'n'] as const;
export const COMPLEXITY_KEYS = ['flops', 'params', 'acts'] as const;
export const TRAIN_KEYS = ['epochs', 'resolution', 'batchSize', 'lr', 'trainSize', 'valSize', 'microBatch', 'recipe', 'backend'] as const;
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;

function integer(source: string, path: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    specError(source, path, messages.spec.wholeNumberIn(value, min, max));
  }
  return value;
}

function range(source: string, path: string, value: unknown): Range {
  if (value === undefined || value === null) return [null, null];
  const [low, high] = parseComplexityRange(value, `${source}: ${path}`);
  return [low, high];
}

/** A space entry's `space`: a built-in name, a spec file (relative to the sweep spec), or an inline spec. */
function resolveSpace(source: string, path: string, value: unknown, baseDir: string): SpaceSpec {
  if (typeof value === 'string') {
    const builtin = Object.keys(builtinSpaces).find((k) => k.toLowerCase() === value.toLowerCase());
    if (builtin !== undefined) return builtinSpaces[builtin as BuiltinSpaceName];
    if (/\.(ya?ml|json)$/i.test(value)) {
      const file = resolve(baseDir, value);
      if (!existsSync(file)) specError(source, path, messages.spec.spaceFileMissing(file));
      return loadSpace(file);
    }
    specError(source, path, messages.spec.notSpaceName(value, Object.keys(builtinSpaces)));
  }
  if (!isRecord(value)) specError(source, path, messages.spec.notSpace(value));
  return parseSpaceSpec(value, `${source}: ${path}`);
}

function resolveModel(source: string, path: string, value: unknown): { config: AnyNetConfig; name: string; preset: boolean } {
  if (typeof value === 'string') {
    const preset = PRESETS[value.toLowerCase()];
    if (preset === undefined) specError(source, path, messages.spec.notPresetName(value, Object.keys(PRESETS)));
    return { config: structuredClone(preset) as AnyNetConfig, name: value.toLowerCase(), preset: true };
  }
  return { config: parseAnyNetConfig(value, `${source}: ${path}`), name: 'model', preset: false };
}

/**
 * `config` fitted to `dataset`'s images and classes: a preset takes them; a config of the user's that states other
 * ones is refused (`where` names it), since its first and last layers would not fit the data.
 */
export function configForDataset(config: AnyNetConfig, dataset: DatasetSpec, preset: boolean, where: string): AnyNetConfig {
  const fitted = { ...config, inputChannels: dataset.channels, numClasses: dataset.classNames.length };
  if (preset || (config.inputChannels === fitted.inputChannels && config.numClasses === fitted.numClasses)) return fitted;
  throw new NetspaceError(messages.spec.configDoesNotFitData(where, config.inputChannels, config.numClasses, dataset.name, fitted.inputChannels, fitted.numClasses));
}

/** One entry of `spaces`, fitted to `dataset` (its spaces and presets take the data's channels and classes). */
function parseEntry(source: string, path: string, value: unknown, baseDir: string, dataset: DatasetSpec): SweepEntry {
  if (!isRecord(value)) specError(source, path, messages.spec.notEntry(value));
  checkKeys(source, path, value, SPACE_ENTRY_KEYS);
  if ((value.space === undefined) === (value.model === undefined)) {
    specError(source, path, messages.spec.spaceOrModel());
  }
  const n = integer(source, `${path}.n`, value.n, 1, 100_000);
  const given = value.name;
  if (given !== undefined && (typeof given !== 'string' || !NAME_PATTERN.test(given))) {
    specError(source, `${path}.name`, messages.spec.name(given));
  }
  if (value.space !== undefined) {
    const space = resolveSpace(source, `${path}.space`, value.space, baseDir);
    const name = (given as string | undefined) ?? space.name;
    return { kind: 'space', name, space: { ...space, name, inputChannels: dataset.channels, numClasses: dataset.classNames.length }, n };
  }
  const model = resolveModel(source, `${path}.model`, value.model);
  const config = configForDataset(model.config, dataset, model.preset, `${source}: ${path}.model`);
  return { kind: 'model', name: (given as string | undefined) ?? model.name, config, n };
}

/** The `train` section and the top-level `dataset`, through the one settings parser. */
function parseTrain(source: string, value: unknown, dataset: unknown): { train: TrainSettings; backend: BackendRequest } {
  if (value !== undefined && !isRecord(value)) specError(source, 'train', messages.spec.notTrain(value));
  const section = (value ?? {}) as Record<string, unknown>;
  checkKeys(source, 'train', section, TRAIN_KEYS);
  const { backend = 'auto', ...settings } = section;
  if (typeof backend !== 'string' || !(BACKEND_REQUESTS as readonly string[]).includes(backend)) {
    specError(source, 'train.backend', messages.spec.oneOf(backend, BACKEND_REQUESTS));
  }
  return { train: parseTrainSettings({ ...settings, dataset }, SWEEP_TRAIN_DEFAULTS, { kind: 'spec', source }), backend: backend as BackendRequest };
}

/**
 * Checks an untrusted sweep spec (parsed YAML or JSON) and returns it complete, or throws a NetspaceError naming
 * `source`, the path in the spec and the bad value. `baseDir` anchors relative space files.
 *
 * Example:
 *   name: my-sweep
 *   seed: 1
 *   spaces: [{space: AnyNetX_A, n: 16}, {space: RegNetX, n: 16}, {model: regnet32, n: 3}]
 *   complexity: {flops: [null, 5M]}
 *   train: {epochs: 3, trainSize: 6000, valSize: 2000, backend: wasm}
 *   workers: auto
 */
export function parseSweepSpec(value: unknown, source: string, baseDir = '.'): SweepSpec {
  if (!isRecord(value)) specError(source, 'the sweep spec', messages.spec.notSweep(value));
  checkKeys(source, '', value, TOP_KEYS);
  if (value.kind !== undefined && value.kind !== 'sweep') specError(source, 'kind', messages.spec.notSweepKind(value.kind));
  const name = value.name;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    specError(source, 'name', messages.spec.name(name));
  }
  const description = value.description ?? '';
  if (typeof description !== 'string') specError(source, 'description', messages.spec.text(description));
  const seed = value.seed === undefined ? 0 : integer(source, 'seed', value.seed, 0, 0xffffffff);
  if (!Array.isArray(value.spaces) || value.spaces.length === 0) {
    specError(source, 'spaces', messages.spec.entryList(value.spaces));
  }
  const fidelity = value.fidelity === undefined ? undefined : parseFidelitySpec(value.fidelity, source, seed);
  // A schedule decides how far runs train: its top fidelity, which `train.epochs` may state but not contradict.
  const rawEpochs = isRecord(value.train) ? value.train.epochs : undefined;
  const scheduled = fidelity === undefined ? {} : { epochs: scheduledTrainEpochs(fidelity, rawEpochs, source) };
  const { train, backend } = parseTrain(source, isRecord(value.train) || value.train === undefined ? { ...(value.train as object | undefined), ...scheduled } : value.train, value.dataset);
  const dataset = DATASETS[(train.dataset ?? DEFAULT_DATASET) as DatasetName];
  const spaces = value.spaces.map((entry: unknown, i: number) => parseEntry(source, `spaces[${i}]`, entry, baseDir, dataset));
  spaces.forEach((entry, i) => {
    const first = spaces.findIndex((other) => other.name === entry.name);
    if (first !== i) specError(source, `spaces[${i}]`, messages.spec.sameEntryName(entry.name, first));
  });
  const rawComplexity = value.complexity ?? {};
  if (!isRecord(rawComplexity)) specError(source, 'complexity', messages.spec.notComplexity(rawComplexity));
  checkKeys(source, 'complexity', rawComplexity, COMPLEXITY_KEYS);
  const complexity = {
    flops: range(source, 'complexity.flops', rawComplexity.flops),
    params: range(source, 'complexity.params', rawComplexity.params),
    acts: range(source, 'complexity.acts', rawComplexity.acts),
  };
  const workers = value.workers === undefined || value.workers === 'auto' ? 'auto' : integer(source, 'workers', value.workers, 1, 256);
  return { kind: 'sweep', name, description, seed, spaces, complexity, train, ...(fidelity === undefined ? {} : { fidelity }), backend, workers };
}

/** Reads and validates a sweep spec file (.yaml, .yml or .json). */
export function loadSweepSpec(path: string): SweepSpec {
  if (!existsSync(path)) {
    const dir = dirname(path);
    const nearby = existsSync(dir) ? readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)) : [];
    throw new NetspaceError(messages.train.specMissing(path, dir, nearby));
  }
  return parseSweepSpec(readDataFile(path), path, dirname(resolve(path)));
}

/**
 * The part of a spec that decides what is trained and how: a resumed sweep must match it. `workers` and `backend`
 * only decide where it runs, so they may change between resumes; `description` is prose.
 */
export function sweepIdentity(spec: SweepSpec): unknown {
  const { workers: _workers, backend: _backend, description: _description, ...identity } = spec;
  return identity;
}

/**
 * Samples every entry of the spec and returns its runs, entries interleaved (A1, B1, C1, A2, B2, ...) so that a sweep
 * stopped half-way has about as many runs of every space. Config keys are `<entry name>:<canonical key>` (the same
 * network drawn from two spaces is a run of each) and `#<i>` follows for the repeats of a fixed model. The sampler
 * of an entry is seeded by the sweep seed and the entry's name, a run's training by the sweep seed and its key, so
 * that adding an entry to a spec changes no other entry's configs or seeds. Complexity is counted at the training
 * resolution.
 */
export function planRuns(spec: SweepSpec): NewRun[] {
  const { resolution } = spec.train;
  const perEntry: NewRun[][] = spec.spaces.map((entry) => {
    const settings = { ...spec.train };
    if (entry.kind === 'space') {
      const space = { ...entry.space, resolution };
      const sampled = sampleConfigs(space, {
        n: entry.n,
        seed: hashString(`${spec.seed}/space/${entry.name}`),
        flops: spec.complexity.flops,
        params: spec.complexity.params,
        acts: spec.complexity.acts,
      });
      return sampled.map((s) => {
        const configKey = `${entry.name}:${s.key}`;
        return { space: entry.name, configKey, config: s.config, sampled: s.sampled, flops: s.flops, params: s.params, acts: s.acts, seed: hashString(`${spec.seed}/run/${configKey}`), settings };
      });
    }
    const cx = countComplexity(entry.config, resolution);
    const key = `${entry.name}:${canonicalKey(entry.config)}`;
    return Array.from({ length: entry.n }, (_, i) => {
      const configKey = `${key}#${i + 1}`;
      return { space: entry.name, configKey, config: entry.config, sampled: {}, ...cx, seed: hashString(`${spec.seed}/run/${configKey}`), settings };
    });
  });
  const runs: NewRun[] = [];
  const longest = Math.max(...perEntry.map((list) => list.length));
  for (let i = 0; i < longest; i++) for (const list of perEntry) if (i < list.length) runs.push(list[i]!);
  return runs;
}

/** The parameter domains of every space entry, by entry name (fixed models have none): stored with the sweep. */
export function planDomains(spec: SweepSpec): Record<string, ParameterDomain[]> {
  return Object.fromEntries(spec.spaces.flatMap((entry) => (entry.kind === 'space' ? [[entry.name, spaceDomains(entry.space)]] : [])));
}

/** Whether the optional tfjs-node-gpu package is there to give 'auto' the tensorflow backend. */
function tensorflowInstalled(): boolean {
  try {
    import.meta.resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

/** Whether the workers will load @tensorflow/tfjs-node-gpu: asked for, or `auto` with the package installed. */
export function usesTensorflow(backend: BackendRequest, installed = tensorflowInstalled): boolean {
  return backend === 'tensorflow' || (backend === 'auto' && installed());
}

/**
 * Threads for `workers: auto`: one per core, on every backend. @tensorflow/tfjs-node-gpu 4.22 built from a wheel
 * (netspace backend install) loads and trains in several worker threads at once (its binding keeps its state per
 * thread), and the pool sizes TensorFlow's shared intra-op thread pool so that the workers do not oversubscribe the
 * cores (engine/native-env.ts).
 */
export function defaultWorkers(_backend: BackendRequest, cores = availableParallelism()): number {
  return cores;
}
